// Which browser origins may open a WebSocket: this server's own and the configured app origins (the CORS rule).
import type { IncomingMessage } from 'node:http';

export interface OriginRule {
  readonly appOrigins: readonly string[];
  /** The URL people reach the server at (its origin counts as our own even behind a proxy that rewrites Host). */
  readonly publicUrl: () => string;
  readonly trustProxy: boolean;
}

/**
 * Browsers always send `Origin` on a WebSocket handshake and a page cannot forge it, so a missing one
 * is a CLI or a daemon (they authenticate with their token in hello). A present one must be our own —
 * the same host the request was sent to (scheme aside: a TLS-terminating proxy changes it) — or a
 * configured app origin. Anything else is a page on another site trying to ride a user's network
 * position (e.g. a LAN-bound server): refused before the upgrade.
 */
export function originAllowed(req: Pick<IncomingMessage, 'headers'>, rule: OriginRule): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file:// pages
  }
  const normalized = url.origin;
  if (rule.appOrigins.some((o) => sameOrigin(o, normalized))) return true;
  const own = ownOrigin(rule.publicUrl());
  if (own !== null && own === normalized) return true;
  const hosts = [req.headers.host];
  if (rule.trustProxy) hosts.push(firstValue(req.headers['x-forwarded-host']));
  return hosts.some((h) => h !== undefined && h !== '' && h.toLowerCase() === url.host.toLowerCase());
}

function sameOrigin(configured: string, origin: string): boolean {
  return ownOrigin(configured) === origin;
}

function ownOrigin(u: string): string | null {
  try {
    return u ? new URL(u).origin : null;
  } catch {
    return null;
  }
}

function firstValue(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v?.split(',')[0]?.trim();
}
