// Markdown (GFM) as a tree of allowed elements and plain text: raw HTML stays text, only http(s) links are links.
// The tree is all the renderer knows; nothing in it can run code or load anything (md-dom.ts builds it with the DOM).
import { Lexer, type Token, type Tokens } from 'marked';

/** Elements the renderer may create; nothing else ever is. */
export type MdTag =
  | 'p' | 'h3' | 'h4' | 'h5' | 'ul' | 'ol' | 'li' | 'blockquote' | 'hr' | 'br' | 'em' | 'strong' | 'del' | 'code'
  | 'a' | 'table' | 'thead' | 'tbody' | 'tr' | 'th' | 'td' | 'span';

export type MdNode =
  | { readonly t: 'text'; readonly v: string }
  | { readonly t: 'el'; readonly tag: MdTag; readonly attrs?: Readonly<Record<string, string>>; readonly kids: readonly MdNode[] }
  /** A fenced or indented code block: highlighted by the renderer, never parsed as markup. */
  | { readonly t: 'code'; readonly lang: string | null; readonly v: string };

/** The attributes each element may carry, and their allowed values. */
const ALLOWED_ATTRS: Readonly<Partial<Record<MdTag, readonly string[]>>> = {
  a: ['href', 'title'], ol: ['start'], th: ['data-align'], td: ['data-align'], span: ['class'],
};

/**
 * A link target the app opens: an absolute http(s) URL, nothing else (no javascript:, data:, vbscript:, file:,
 * relative paths — whose base would be the app itself). Returns the normalised URL or null.
 */
export function safeHref(href: string): string | null {
  // Browsers drop tabs, newlines and leading control characters from URLs: "java\tscript:" is javascript:.
  const cleaned = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (!/^https?:\/\//i.test(cleaned)) return null;
  try {
    const url = new URL(cleaned);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', middot: '·', times: '×', rarr: '→', larr: '←', check: '✓',
};

/** Markdown's character references as the characters they name (as text: never markup). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

const text = (v: string): MdNode => ({ t: 'text', v });
function el(tag: MdTag, kids: readonly MdNode[], attrs?: Record<string, string>): MdNode {
  if (!attrs) return { t: 'el', tag, kids };
  const allowed = ALLOWED_ATTRS[tag] ?? [];
  const kept = Object.fromEntries(Object.entries(attrs).filter(([k]) => allowed.includes(k)));
  return Object.keys(kept).length > 0 ? { t: 'el', tag, attrs: kept, kids } : { t: 'el', tag, kids };
}

function inline(tokens: readonly Token[] | undefined): MdNode[] {
  const out: MdNode[] = [];
  for (const tok of tokens ?? []) {
    switch (tok.type) {
      case 'text': {
        const t = tok as Tokens.Text;
        if (t.tokens && t.tokens.length > 0) out.push(...inline(t.tokens));
        else out.push(text(decodeEntities(t.text)));
        break;
      }
      case 'escape':
        out.push(text((tok as Tokens.Escape).text));
        break;
      case 'strong':
        out.push(el('strong', inline((tok as Tokens.Strong).tokens)));
        break;
      case 'em':
        out.push(el('em', inline((tok as Tokens.Em).tokens)));
        break;
      case 'del':
        out.push(el('del', inline((tok as Tokens.Del).tokens)));
        break;
      case 'codespan':
        out.push(el('code', [text((tok as Tokens.Codespan).text)]));
        break;
      case 'br':
        out.push(el('br', []));
        break;
      case 'link': {
        const l = tok as Tokens.Link;
        const href = safeHref(l.href);
        const kids = inline(l.tokens);
        // A link we will not open stays its text (and shows where it pointed, so nothing is hidden).
        if (href) out.push(el('a', kids, { href, ...(l.title ? { title: l.title } : {}) }));
        else out.push(el('span', [...kids, text(` (${l.href})`)], { class: 'md-inert-link' }));
        break;
      }
      case 'image': {
        // Images are never loaded (nothing is fetched from a transcript): an http(s) one becomes a link to it.
        const img = tok as Tokens.Image;
        const href = safeHref(img.href);
        const label = text(`image: ${img.text || img.href}`);
        out.push(href ? el('a', [label], { href }) : el('span', [label], { class: 'md-inert-link' }));
        break;
      }
      case 'html':
        // Raw HTML is shown as the text it is.
        out.push(text((tok as Tokens.HTML).text));
        break;
      case 'checkbox':
        out.push(text((tok as Tokens.Checkbox).checked ? '☑ ' : '☐ '));
        break;
      default:
        if ('text' in tok && typeof tok.text === 'string') out.push(text(tok.text));
    }
  }
  return out;
}

function blocks(tokens: readonly Token[]): MdNode[] {
  const out: MdNode[] = [];
  for (const tok of tokens) {
    switch (tok.type) {
      case 'space':
      case 'def':
        break;
      case 'paragraph':
        out.push(el('p', inline((tok as Tokens.Paragraph).tokens)));
        break;
      case 'heading': {
        // Headings in a chat bubble are small: #/## → h3, ### → h4, the rest → h5.
        const h = tok as Tokens.Heading;
        out.push(el(h.depth <= 2 ? 'h3' : h.depth === 3 ? 'h4' : 'h5', inline(h.tokens)));
        break;
      }
      case 'code': {
        const c = tok as Tokens.Code;
        const lang = (c.lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() || null;
        out.push({ t: 'code', lang, v: c.text });
        break;
      }
      case 'blockquote':
        out.push(el('blockquote', blocks((tok as Tokens.Blockquote).tokens)));
        break;
      case 'hr':
        out.push(el('hr', []));
        break;
      case 'list': {
        const l = tok as Tokens.List;
        const items = l.items.map((item) => el('li', item.loose ? blocks(item.tokens) : listItem(item.tokens)));
        const start = typeof l.start === 'number' && l.start !== 1 ? { start: String(l.start) } : undefined;
        out.push(el(l.ordered ? 'ol' : 'ul', items, start));
        break;
      }
      case 'table': {
        const t = tok as Tokens.Table;
        const align = (i: number) => (t.align[i] ? { 'data-align': t.align[i]! } : undefined);
        const head = el('thead', [el('tr', t.header.map((cell, i) => el('th', inline(cell.tokens), align(i))))]);
        const body = el('tbody', t.rows.map((row) => el('tr', row.map((cell, i) => el('td', inline(cell.tokens), align(i))))));
        out.push(el('table', [head, body]));
        break;
      }
      case 'html':
        out.push(el('p', [text((tok as Tokens.HTML).text)]));
        break;
      case 'text': {
        const t = tok as Tokens.Text;
        out.push(el('p', t.tokens ? inline(t.tokens) : [text(decodeEntities(t.text))]));
        break;
      }
      default:
        if ('text' in tok && typeof tok.text === 'string') out.push(el('p', [text(tok.text)]));
    }
  }
  return out;
}

/** A tight list item's content: its text runs inline (no paragraph around them), nested lists as blocks. */
function listItem(tokens: readonly Token[]): MdNode[] {
  const out: MdNode[] = [];
  for (const tok of tokens) {
    if (tok.type === 'text' || tok.type === 'checkbox' || tok.type === 'escape') out.push(...inline([tok]));
    else out.push(...blocks([tok]));
  }
  return out;
}

/** Agent text as a safe tree. Never throws: text the parser chokes on comes back as one paragraph of itself. */
export function markdownTree(source: string): MdNode[] {
  try {
    return blocks(Lexer.lex(source, { gfm: true, breaks: false }));
  } catch {
    return [el('p', [text(source)])];
  }
}
