// A small highlighter: one scanner, configured per language family (comments, strings, keywords, numbers, calls),
// giving (class, text) runs the renderer turns into text nodes in spans. Enough colour to read code on a phone,
// a fraction of a full grammar library's weight (Prism with these languages is ~13 kB gzip; this is ~1.5 kB).

export interface HlRun {
  /** `tok-<kind>`; empty for plain text. */
  readonly cls: string;
  readonly text: string;
}

interface Lang {
  readonly line?: readonly string[];
  readonly block?: readonly (readonly [string, string])[];
  readonly quotes: string;
  /** Python's ''' and """. */
  readonly triple?: boolean;
  readonly keywords: ReadonlySet<string>;
  readonly literals: ReadonlySet<string>;
  /** `$VAR`, `${VAR}` (shells). */
  readonly vars?: boolean;
  /** A quoted string followed by `:` is a key (JSON), or `key:` at a line's start (YAML). */
  readonly keys?: 'json' | 'yaml';
}

const words = (s: string) => new Set(s.split(' '));
const C_LIKE_LITERALS = words('true false null undefined NaN Infinity this super self nil iota');
const JS = words('abstract as async await break case catch class const continue debugger declare default delete do else enum export extends finally for from function get if implements import in instanceof interface keyof let namespace new of private protected public readonly return satisfies set static switch throw try type typeof var void while with yield');

const LANGS: Readonly<Record<string, Lang>> = {
  js: { line: ['//'], block: [['/*', '*/']], quotes: '"\'`', keywords: JS, literals: C_LIKE_LITERALS },
  python: {
    line: ['#'], quotes: '"\'', triple: true, literals: words('True False None self cls'),
    keywords: words('and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield print'),
  },
  bash: {
    line: ['#'], quotes: '"\'', vars: true, literals: words('true false'),
    keywords: words('if then else elif fi for while until do done case esac in function return local export set unset readonly select time echo cd exit source'),
  },
  json: { quotes: '"', keywords: new Set(), literals: words('true false null'), keys: 'json' },
  yaml: { line: ['#'], quotes: '"\'', keywords: new Set(), literals: words('true false null yes no on off ~'), keys: 'yaml' },
  go: {
    line: ['//'], block: [['/*', '*/']], quotes: '"\'`', literals: C_LIKE_LITERALS,
    keywords: words('break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var error string int bool byte rune'),
  },
  rust: {
    line: ['//'], block: [['/*', '*/']], quotes: '"', literals: words('true false None Some Ok Err self Self'),
    keywords: words('as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return static struct super trait type unsafe use where while String Vec Option Result'),
  },
  css: { block: [['/*', '*/']], quotes: '"\'', keywords: words('important media import from to'), literals: new Set() },
  sql: {
    line: ['--'], block: [['/*', '*/']], quotes: '\'"', literals: words('NULL TRUE FALSE null true false'),
    keywords: words('SELECT FROM WHERE AND OR NOT INSERT INTO VALUES UPDATE SET DELETE CREATE TABLE INDEX DROP ALTER ADD JOIN LEFT RIGHT INNER OUTER ON AS ORDER BY GROUP HAVING LIMIT OFFSET PRIMARY KEY REFERENCES UNIQUE DISTINCT UNION select from where and or not insert into values update set delete create table index drop alter join left on as order by group limit'),
  },
};

const ALIASES: Readonly<Record<string, string>> = {
  js: 'js', javascript: 'js', mjs: 'js', cjs: 'js', jsx: 'js', ts: 'js', typescript: 'js', tsx: 'js', mts: 'js', node: 'js', java: 'js', c: 'js', cpp: 'js', 'c++': 'js', cs: 'js', csharp: 'js', kotlin: 'js', swift: 'js', php: 'js',
  py: 'python', python: 'python', python3: 'python',
  sh: 'bash', bash: 'bash', shell: 'bash', zsh: 'bash', console: 'bash', shellsession: 'bash', dockerfile: 'bash', make: 'bash', makefile: 'bash',
  json: 'json', jsonc: 'json', json5: 'json', yml: 'yaml', yaml: 'yaml', toml: 'yaml', ini: 'yaml',
  go: 'go', golang: 'go', rs: 'rust', rust: 'rust', css: 'css', scss: 'css', sql: 'sql', diff: 'diff', patch: 'diff', udiff: 'diff',
};

/** The language family a fence names, or null (then the block is plain monospace). */
export function languageOf(lang: string | null): string | null {
  return lang ? (ALIASES[lang.toLowerCase()] ?? null) : null;
}

/** Past this a block is shown plain: colouring a huge log costs more than it helps on a phone. */
export const HIGHLIGHT_MAX_CHARS = 20_000;

const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0x[\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

function diffRuns(code: string): HlRun[] {
  return code.split(/(?<=\n)/).map((line) => ({
    cls: line.startsWith('+') ? 'tok-inserted' : line.startsWith('-') ? 'tok-deleted' : line.startsWith('@@') ? 'tok-comment' : '',
    text: line,
  }));
}

function scan(code: string, lang: Lang): HlRun[] {
  const out: HlRun[] = [];
  let plain = '';
  const push = (cls: string, text: string) => {
    if (!cls) {
      plain += text;
      return;
    }
    if (plain) out.push({ cls: '', text: plain });
    plain = '';
    out.push({ cls, text });
  };
  let i = 0;
  let lineStart = true;
  while (i < code.length) {
    const ch = code[i]!;
    if (ch === '\n') {
      push('', ch);
      i++;
      lineStart = true;
      continue;
    }
    const lineComment = lang.line?.find((l) => code.startsWith(l, i) && !(l === '#' && lang.vars && i > 0 && code[i - 1] === '$'));
    if (lineComment !== undefined) {
      const end = code.indexOf('\n', i);
      const stop = end < 0 ? code.length : end;
      push('tok-comment', code.slice(i, stop));
      i = stop;
      continue;
    }
    const block = lang.block?.find(([open]) => code.startsWith(open, i));
    if (block) {
      const end = code.indexOf(block[1], i + block[0].length);
      const stop = end < 0 ? code.length : end + block[1].length;
      push('tok-comment', code.slice(i, stop));
      i = stop;
      continue;
    }
    if (lang.quotes.includes(ch)) {
      const q = lang.triple && code.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      let j = i + q.length;
      while (j < code.length && !code.startsWith(q, j)) {
        if (code[j] === '\\') j++;
        else if (code[j] === '\n' && q.length === 1 && q !== '`') break;
        j++;
      }
      const stop = Math.min(code.length, j + (code.startsWith(q, j) ? q.length : 0));
      const str = code.slice(i, stop);
      const isKey = lang.keys === 'json' && /^\s*:/.test(code.slice(stop, stop + 20));
      push(isKey ? 'tok-property' : 'tok-string', str);
      i = stop;
      lineStart = false;
      continue;
    }
    if (lang.vars && ch === '$') {
      const m = /\$(?:\{[^}\n]*\}|[A-Za-z_]\w*|[0-9@#?$!*-])/y;
      m.lastIndex = i;
      const hit = m.exec(code);
      if (hit) {
        push('tok-variable', hit[0]);
        i += hit[0].length;
        continue;
      }
    }
    if (/[0-9]/.test(ch) && !/[\w$]/.test(code[i - 1] ?? '')) {
      NUMBER.lastIndex = i;
      const hit = NUMBER.exec(code);
      if (hit) {
        push('tok-number', hit[0]);
        i += hit[0].length;
        lineStart = false;
        continue;
      }
    }
    IDENT.lastIndex = i;
    const id = /[A-Za-z_$]/.test(ch) ? IDENT.exec(code) : null;
    if (id) {
      const w = id[0];
      const after = code.slice(i + w.length, i + w.length + 30);
      let cls = '';
      if (lang.keys === 'yaml' && lineStart && /^[\w.-]*\s*:(\s|$)/.test(code.slice(i, i + w.length + 30))) cls = 'tok-property';
      else if (lang.keywords.has(w)) cls = 'tok-keyword';
      else if (lang.literals.has(w)) cls = 'tok-boolean';
      else if (/^\s*\(/.test(after)) cls = 'tok-function';
      push(cls, w);
      i += w.length;
      lineStart = false;
      continue;
    }
    if (ch !== ' ' && ch !== '\t') lineStart = false;
    push('', ch);
    i++;
  }
  if (plain) out.push({ cls: '', text: plain });
  return out;
}

/** `code` as runs of text with their token classes (one plain run when the language is unknown or the code huge). */
export function highlight(code: string, lang: string | null): HlRun[] {
  const name = languageOf(lang);
  if (!name || code.length > HIGHLIGHT_MAX_CHARS) return [{ cls: '', text: code }];
  if (name === 'diff') return diffRuns(code);
  return scan(code, LANGS[name]!);
}
