// One file change drawn as a diff: path, +/− counts, coloured lines (text nodes only), folded when long.
import type { FileChange } from '../../../core/agent-entries.ts';
import { changeLines, diffStat } from '../../lib/markdown/diff-lines.ts';
import { foldToggle } from '../../lib/markdown/md-dom.ts';

/** A diff longer than this many lines is folded. */
export const DIFF_FOLD_LINES = 30;

const KIND_WORD: Readonly<Record<FileChange['kind'], string>> = { edit: '', add: 'new file', delete: 'deleted', move: 'moved' };

export function diffView(c: Pick<FileChange, 'path' | 'kind' | 'before' | 'after' | 'patch' | 'truncated'> & { movePath?: string | undefined }): HTMLElement {
  const lines = changeLines(c);
  const stat = diffStat(lines);
  const box = document.createElement('div');
  box.className = 'diff';
  const head = document.createElement('div');
  head.className = 'diff-head';
  const path = document.createElement('span');
  path.className = 'diff-path';
  path.textContent = c.movePath ? `${c.path} → ${c.movePath}` : c.path;
  const counts = document.createElement('span');
  counts.className = 'diff-stat';
  const add = document.createElement('span');
  add.className = 'add';
  add.textContent = `+${stat.added}`;
  const del = document.createElement('span');
  del.className = 'del';
  del.textContent = `−${stat.removed}`;
  counts.append(add, del);
  head.append(path);
  if (KIND_WORD[c.kind]) {
    const kind = document.createElement('span');
    kind.className = 'muted';
    kind.textContent = KIND_WORD[c.kind];
    head.append(kind);
  }
  head.append(counts);
  const body = document.createElement('pre');
  body.className = 'diff-body';
  body.setAttribute('aria-label', `Changes to ${c.path}`);
  for (const l of lines) {
    const span = document.createElement('span');
    span.className = `dl ${l.kind}`;
    span.textContent = l.text;
    body.append(span);
  }
  box.append(head, body);
  if (c.truncated) {
    const note = document.createElement('p');
    note.className = 'tool-note';
    note.textContent = 'This change was too large to send whole; the rest is cut.';
    box.append(note);
  }
  if (lines.length > DIFF_FOLD_LINES) {
    box.classList.add('foldable', 'folded');
    box.style.setProperty('--fold-lines', String(DIFF_FOLD_LINES));
    box.append(foldToggle(box, lines.length));
  }
  return box;
}
