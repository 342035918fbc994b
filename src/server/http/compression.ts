// Compresses text responses (the API's JSON, the app's HTML, JS, CSS, manifest) with br or gzip, as the client
// accepts, above a size threshold. Off when a reverse proxy compresses instead (`baton server --no-compression`).
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

/**
 * Below this a response goes as it is: the bytes saved are less than a packet, and small bodies are where
 * secrets sit (a pairing answer's token), which a compression side channel (BREACH) could probe.
 */
export const COMPRESS_MIN_BYTES = 1024;

const COMPRESSIBLE = /^(application\/(json|manifest\+json|javascript)|text\/|image\/svg\+xml)/;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * Levels from docs/performance.md: for a 190 kB sync page, br 4 gives 10.6 kB in 0.7 ms and gzip 6 gives 13.9 kB in
 * 1.0 ms, while br 11 takes 240 ms. Immutable build assets are compressed once at the highest levels and kept.
 */
const DYNAMIC = { br: 4, gzip: 6 } as const;
const ONCE = { br: 11, gzip: 9 } as const;
const CACHE_ENTRIES = 256;

type Encoding = 'br' | 'gzip';

/** br when the client accepts it, else gzip, else nothing (q=0 refuses). */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    if (name) accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const ok = (e: string) => (accepted.get(e) ?? accepted.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

function compress(body: Buffer, encoding: Encoding, levels: { br: number; gzip: number }): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: levels.br, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gz(body, { level: levels.gzip });
}

export function compression(): MiddlewareHandler {
  // Immutable assets by path and encoding; the oldest entry goes first (an app has a few dozen assets).
  const cache = new Map<string, Buffer>();
  return async (c, next) => {
    await next();
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    if (c.req.method === 'HEAD' || !res.body || res.headers.has('content-encoding') || !COMPRESSIBLE.test(type)) return;
    res.headers.append('vary', 'Accept-Encoding');
    const encoding = chooseEncoding(c.req.header('accept-encoding'));
    if (!encoding) return;
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    if (length < COMPRESS_MIN_BYTES) return;
    const immutable = /\bimmutable\b/.test(res.headers.get('cache-control') ?? '');
    const key = `${encoding} ${c.req.path}`;
    let out = immutable ? cache.get(key) : undefined;
    if (!out) {
      const raw = Buffer.from(await res.arrayBuffer());
      if (raw.length < COMPRESS_MIN_BYTES) {
        c.res = new Response(new Uint8Array(raw), res);
        return;
      }
      out = await compress(raw, encoding, immutable ? ONCE : DYNAMIC);
      if (immutable) {
        cache.set(key, out);
        if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      }
    }
    const headers = new Headers(res.headers);
    headers.set('content-encoding', encoding);
    headers.delete('content-length');
    c.res = new Response(new Uint8Array(out), { status: res.status, statusText: res.statusText, headers });
    // Assigning c.res merges the old response's headers back in, its length among them.
    c.res.headers.delete('content-length');
  };
}
