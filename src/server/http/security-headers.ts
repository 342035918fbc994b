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
 * The PWA's policy. Scripts and styles come from `/assets` only (and the inline theme script by its hash), so
 * `script-src` has no 'unsafe-inline'; Solid sets styles through the CSSOM, which CSP allows, so `style-src 'self'`
 * holds. `connect-src` lets the app reach any Baton server the user adds (server profiles): a page can talk to
 * servers its own server has never heard of, so the policy names schemes, not hosts — https:/wss: (plus http:/ws:
 * when the app itself came over plain http, where it has no transport protection to lose). docs/security.md says
 * why that is safe enough: nothing in the app can inject markup or script (the transcript renderer builds text nodes
 * only), so what `connect-src` would add is a second wall against exfiltration by code that cannot get in.
 */
export function appPolicy(opts: Pick<SecurityHeaderOptions, 'appOrigins'> & { readonly secure?: boolean }, inlineScripts: readonly string[] = []): string {
  const connect = ["'self'", ...(opts.secure ? [] : ['http:', 'ws:']), 'https:', 'wss:', ...opts.appOrigins.flatMap((o) => [o, o.replace(/^http/, 'ws')])];
  return [
    "default-src 'self'",
    `script-src 'self'${inlineScripts.map((h) => ` '${h}'`).join('')}`,
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Whether the client reached us over TLS (ours, or a trusted proxy's that says so). */
export function overHttps(opts: Pick<SecurityHeaderOptions, 'tls' | 'trustProxy'>, forwardedProto: string | undefined): boolean {
  return opts.tls || (opts.trustProxy && forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https');
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
  const policies = { secure: appPolicy({ ...opts, secure: true }), plain: appPolicy({ ...opts, secure: false }) };
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [k, v] of Object.entries(COMMON)) h.set(k, v);
    const isApi = c.req.path === '/api' || c.req.path.startsWith('/api/');
    if (isApi) {
      h.set('Content-Security-Policy', API_POLICY);
      // Tokens, transcripts and shares: nothing under /api may sit in a cache.
      h.set('Cache-Control', 'no-store');
    }
    const secure = overHttps(opts, c.req.header('x-forwarded-proto'));
    if (!isApi && !h.has('Content-Security-Policy')) h.set('Content-Security-Policy', secure ? policies.secure : policies.plain);
    if (secure) h.set('Strict-Transport-Security', HSTS);
  };
}
