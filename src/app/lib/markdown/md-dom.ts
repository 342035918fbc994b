// The safe markdown tree as DOM: createElement and text nodes only (never innerHTML), links that open outside the
// app with rel="noopener noreferrer", code blocks highlighted in monospace and folded when long.
import { highlight, languageOf } from './highlight.ts';
import { markdownTree, type MdNode } from './md-tree.ts';

/** A code block taller than this many lines is folded, with a button to show the rest. */
export const CODE_FOLD_LINES = 14;

/** A button that folds or unfolds `box` (class `folded`), saying how much is hidden. */
export function foldToggle(box: HTMLElement, lines: number, what = 'lines'): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn small fold-toggle';
  const label = () => (box.classList.contains('folded') ? `Show all ${lines.toLocaleString('en-US')} ${what}` : 'Show less');
  button.textContent = label();
  button.setAttribute('aria-expanded', 'false');
  button.addEventListener('click', () => {
    box.classList.toggle('folded');
    button.textContent = label();
    button.setAttribute('aria-expanded', String(!box.classList.contains('folded')));
  });
  return button;
}

/** Highlighted code in a <pre><code>, folded when long. */
export function codeBlock(code: string, lang: string | null, opts: { fold?: number; label?: string } = {}): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'code-block';
  const name = languageOf(lang);
  if (opts.label ?? lang) {
    const head = document.createElement('div');
    head.className = 'code-lang';
    head.textContent = opts.label ?? lang ?? '';
    wrap.append(head);
  }
  const pre = document.createElement('pre');
  const el = document.createElement('code');
  if (name) el.dataset.lang = name;
  for (const run of highlight(code, lang)) {
    if (!run.cls) el.append(document.createTextNode(run.text));
    else {
      const span = document.createElement('span');
      span.className = run.cls;
      span.textContent = run.text;
      el.append(span);
    }
  }
  pre.append(el);
  wrap.append(pre);
  const lines = code.split('\n').length;
  const fold = opts.fold ?? CODE_FOLD_LINES;
  if (lines > fold) {
    wrap.classList.add('foldable', 'folded');
    wrap.style.setProperty('--fold-lines', String(fold));
    wrap.append(foldToggle(wrap, lines));
  }
  return wrap;
}

function build(node: MdNode): Node {
  switch (node.t) {
    case 'text':
      return document.createTextNode(node.v);
    case 'code':
      return codeBlock(node.v, node.lang);
    case 'el': {
      const el = document.createElement(node.tag);
      for (const [k, v] of Object.entries(node.attrs ?? {})) el.setAttribute(k, v);
      if (node.tag === 'a') {
        // Out of the app, into the browser; the new page gets no handle on this one and no referrer.
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      }
      for (const kid of node.kids) el.append(build(kid));
      if (node.tag === 'table') {
        // Wide tables scroll inside their own box, not the whole transcript.
        const box = document.createElement('div');
        box.className = 'md-table';
        box.append(el);
        return box;
      }
      return el;
    }
  }
}

const trees = new Map<string, MdNode[]>();
/** Parsed trees of recent texts: a row scrolled back into view is not parsed again. */
function treeOf(source: string): MdNode[] {
  let t = trees.get(source);
  if (!t) {
    t = markdownTree(source);
    if (trees.size >= 400) trees.delete(trees.keys().next().value!);
    trees.set(source, t);
  }
  return t;
}

/** Markdown as DOM nodes to put in a container. */
export function renderMarkdown(source: string): Node[] {
  return treeOf(source).map(build);
}
