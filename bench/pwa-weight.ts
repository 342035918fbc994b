// PWA weight: the initial route's JS and CSS (index.html's module graph and preloads), raw and gzip, the
// requests needed before the first render, and the service worker's precache.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildApp } from './lib/build.ts';
import { atMost, info, runBench, type Figure } from './lib/report.ts';

/** DESIGN.md: PWA initial JavaScript ≤ 40 kB gzip (bytes do not depend on the machine's speed: judged as they are). */
const BUDGET_JS_KB = 40;
/** Issue 12: what opening a session loads after the list (markdown, highlighter, diff included) ≤ 60 kB gzip. */
const BUDGET_SESSION_KB = 60;
const kb = (n: number) => n / 1024;
/** gzip at the default level 6, what nginx, Caddy and most proxies use. */
const gz = (b: Buffer) => gzipSync(b, { level: 6 }).length;
/** br at quality 11: what the server itself sends for immutable build assets (src/server/http/compression.ts). */
const br = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }).length;

/** Static imports and re-exports of a built module (dynamic `import(…)` is a later, lazy route: not initial). */
function staticImports(code: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\s*(?:\{[^}]*\}|\*\s*as\s*[\w$]+|[\w$]+(?:\s*,\s*\{[^}]*\})?)?\s*(?:from\s*)?["']([^"']+\.js)["']/g;
  for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

/**
 * The files a lazy route loads (its chunk and the dependencies Vite lists for its `import()`: JS and CSS), less
 * what the initial route already loaded. Read from the built entry: `import("./<route>-….js"), __vite__mapDeps([…])`.
 */
export function lazyRoute(dist: string, entryJs: readonly string[], route: string): { files: string[] } {
  const loaded = new Set(entryJs);
  for (const path of entryJs) {
    const code = readFileSync(join(dist, path), 'utf8');
    const deps = /__vite__mapDeps=\(i,m=__vite__mapDeps,d=\(m\.f\|\|\(m\.f=(\[[^\]]*\])/.exec(code);
    const call = new RegExp(`import\\(\`\\./(${route}-[^\`]+\\.js)\`\\),__vite__mapDeps\\(\\[([\\d,]*)\\]\\)`).exec(code);
    if (!deps || !call) continue;
    const all = JSON.parse(deps[1]!) as string[];
    const files = call[2]!.split(',').filter(Boolean).map((i) => `/${all[Number(i)]!}`);
    return { files: files.filter((f) => !loaded.has(f)) };
  }
  throw new Error(`no lazy import of ${route} found in the entry`);
}

export function analyse(dist: string) {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]+)"`).exec(tag)?.[1];
  const tags = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
  const entries = tags.filter((t) => t.startsWith('<script') && /type="module"/.test(t)).map((t) => attr(t, 'src')!).filter(Boolean);
  const preloads = tags.filter((t) => /rel="modulepreload"/.test(t)).map((t) => attr(t, 'href')!);
  const css = tags.filter((t) => /rel="stylesheet"/.test(t)).map((t) => attr(t, 'href')!);
  const other = tags.filter((t) => /rel="(manifest|icon)"/.test(t)).map((t) => attr(t, 'href')!);

  const js = new Set<string>();
  const visit = (url: string) => {
    const path = url.startsWith('/') ? url : `/${url}`;
    if (js.has(path)) return;
    js.add(path);
    const code = readFileSync(join(dist, path), 'utf8');
    for (const dep of staticImports(code)) visit(new URL(dep, `http://x${path}`).pathname);
  };
  for (const e of [...entries, ...preloads]) visit(e);
  const size = (paths: Iterable<string>) => {
    let raw = 0;
    let gzip = 0;
    let brotli = 0;
    for (const p of paths) {
      const b = readFileSync(join(dist, p));
      raw += b.length;
      gzip += gz(b);
      brotli += br(b);
    }
    return { raw, gzip, brotli };
  };

  // The precache list injected into sw.js (injectManifest): `{"revision":…,"url":"…"}` entries.
  const sw = existsSync(join(dist, 'sw.js')) ? readFileSync(join(dist, 'sw.js'), 'utf8') : '';
  const precacheUrls = [...new Set([...sw.matchAll(/"?url"?\s*:\s*"([^"]+)"/g)].map((m) => `/${m[1]!.replace(/^\//, '')}`))].filter((u) => existsSync(join(dist, u)));
  const session = lazyRoute(dist, [...js], 'session-view');
  return {
    session: { files: session.files, ...size(session.files) },
    js: [...js], css,
    jsSize: size(js), cssSize: size(css), htmlSize: size(['/index.html']),
    // Before the first render: the document, the module graph, the stylesheet; manifest and icon come alongside.
    renderRequests: 1 + js.size + css.length,
    firstLoadRequests: 1 + js.size + css.length + other.length,
    other,
    precache: { count: precacheUrls.length, ...size(precacheUrls) },
    sw: sw ? { raw: Buffer.byteLength(sw), gzip: gz(Buffer.from(sw)) } : null,
  };
}

export async function pwaWeight() {
  const build = buildApp();
  try {
    const a = analyse(build.dir);
    const figures: Figure[] = [
      atMost('initial-js-gzip', 'initial route JS, gzip', kb(a.jsSize.gzip), 'kB', BUDGET_JS_KB, `≤ ${BUDGET_JS_KB} kB gzip`, `${a.js.length} files: ${a.js.map((p) => p.replace('/assets/', '')).join(', ')}; gzip level 6`),
      info('initial-js-br', 'initial route JS, as Baton’s server sends it (br 11)', kb(a.jsSize.brotli), 'kB', 'browsers that accept br get this; gzip clients get gzip 9 (a little under the gzip 6 figure)'),
      info('initial-js-raw', 'initial route JS, raw', kb(a.jsSize.raw), 'kB'),
      atMost('session-route-gzip', 'session route, loaded on opening a session (JS + CSS, gzip)', kb(a.session.gzip), 'kB', BUDGET_SESSION_KB, `≤ ${BUDGET_SESSION_KB} kB gzip`,
        `${a.session.files.length} files beyond the initial route: ${a.session.files.map((p) => p.replace('/assets/', '')).join(', ')}; markdown (marked), the highlighter and diff (jsdiff) included`),
      info('initial-css-gzip', 'initial route CSS, gzip', kb(a.cssSize.gzip), 'kB'),
      info('initial-css-raw', 'initial route CSS, raw', kb(a.cssSize.raw), 'kB'),
      info('html', 'index.html, raw / gzip', `${kb(a.htmlSize.raw).toFixed(2)} / ${kb(a.htmlSize.gzip).toFixed(2)}`, 'kB'),
      info('render-requests', 'requests before first render (html + JS graph + CSS)', a.renderRequests, '', `plus ${a.other.length} alongside (${a.other.join(', ')}); the browser's real count is in pwa-paint`),
      info('precache-count', 'service worker precache entries', a.precache.count, 'files'),
      info('precache-raw', 'precache size, raw', kb(a.precache.raw), 'kB', `gzip ${kb(a.precache.gzip).toFixed(1)} kB (PNG icons barely compress); sw.js itself ${a.sw ? `${kb(a.sw.raw).toFixed(1)} kB raw, ${kb(a.sw.gzip).toFixed(1)} kB gzip` : 'missing'}`),
    ];
    return { title: 'PWA weight (initial route)', figures, meta: { dist: build.fresh ? 'fresh vite build in a temp dir' : build.dir, ...a } };
  } finally {
    build.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('pwa-weight', pwaWeight);
