// Security headers on every response: a strict Content-Security-Policy for the PWA, a locked-down one for the API, and the usual rest.
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export interface SecurityHeaderOptions {
  /** Other origins that host the PWA and talk to this server (CORS); the app served here may talk to them too. */
  readonly appOrigins: readonly string[];
  /** Served over TLS by this process: HSTS on every response. */
  readonly tls: boolean;
  /** Behind a proxy we trust: HSTS when it says the client came over https. */
  readonly trustProxy: boolean;
}

/**
 * The PWA's policy. Everything is same-origin: scripts and styles come from `/assets`, the app talks
 * only to this server (and configured app origins). `inlineScripts` are the SHA-256 sources of inline
 * scripts in the served HTML (index.html applies the saved theme before first paint); hashing them
 * keeps `script-src` free of 'unsafe-inline'. Solid sets styles through the CSSOM, which CSP allows, so
 * `style-src 'self'` holds. 'self' covers ws:/wss: on the same host (CSP Level 3).
 */
export function appPolicy(opts: Pick<SecurityHeaderOptions, 'appOrigins'>, inlineScripts: readonly string[] = []): string {
  const connect = ["'self'", ...opts.appOrigins.flatMap((o) => [o, o.replace(/^http/, 'ws')])];
  return [
    "default-src 'self'",
    `script-src 'self'${inlineScripts.map((h) => ` '${h}'`).join('')}`,
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** JSON never runs as a document; if a browser ever renders one, it may load nothing. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** CSP hash sources (`sha256-…`) of the inline `<script>` blocks of an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]!)) continue;
    out.push(`sha256-${createHash('sha256').update(m[2]!, 'utf8').digest('base64')}`);
  }
  return out;
}

const COMMON: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer', // share links carry their token in the URL: never hand it to another site
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), midi=(), browsing-topics=()',
};

export const HSTS = 'max-age=31536000';

/** Sets the headers after the route (or the error handler) answered; a page's own CSP (with its script hashes) wins. */
export function securityHeaders(opts: SecurityHeaderOptions): MiddlewareHandler {
  const defaultAppPolicy = appPolicy(opts);
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [k, v] of Object.entries(COMMON)) h.set(k, v);
    const isApi = c.req.path === '/api' || c.req.path.startsWith('/api/');
    if (isApi) {
      h.set('Content-Security-Policy', API_POLICY);
      // Tokens, transcripts and shares: nothing under /api may sit in a cache.
      h.set('Cache-Control', 'no-store');
    } else if (!h.has('Content-Security-Policy')) {
      h.set('Content-Security-Policy', defaultAppPolicy);
    }
    const overHttps = opts.tls || (opts.trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https');
    if (overHttps) h.set('Strict-Transport-Security', HSTS);
  };
}
