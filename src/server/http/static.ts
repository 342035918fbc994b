// Serves the built PWA from a folder with SPA fallback to index.html; never answers for /api.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context } from 'hono';
import { inlineScriptHashes } from './security-headers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** `policy` builds the page's Content-Security-Policy from the hashes of its inline scripts (and the request it answers). */
export function createStaticHandler(dir: string, policy: (inlineScripts: string[], c: Context) => string) {
  const root = resolve(dir);
  async function file(path: string): Promise<Buffer | null> {
    const full = normalize(join(root, path));
    if (full !== root && !full.startsWith(root + sep)) return null;
    try {
      if (!(await stat(full)).isFile()) return null;
      return await readFile(full);
    } catch {
      return null;
    }
  }
  return async (c: Context): Promise<Response> => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      // A malformed escape (`/%zz`) names no file and no route: the client's mistake, not a server error.
      return c.text('bad request: malformed URL', 400);
    }
    let body = path === '/' ? null : await file(path);
    let ext = extname(path);
    if (body === null) {
      // Client-side routes (and /) get the app shell; a missing asset with an extension is a real 404.
      if (ext !== '' && ext !== '.html') return c.text('not found', 404);
      body = await file('index.html');
      ext = '.html';
      if (body === null) return c.text('the app is not built (run `npm run build`)', 404);
    }
    // Hashed build assets never change; the shell and the service worker must always be revalidated.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers: Record<string, string> = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': cache };
    // Hashed from the file being served, so a rebuilt shell never needs 'unsafe-inline'.
    if (ext === '.html') headers['content-security-policy'] = policy(inlineScriptHashes(body.toString('utf8')), c);
    return new Response(new Uint8Array(body), { headers });
  };
}
