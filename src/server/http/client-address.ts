// Who is asking, for rate limits: the peer's address, or behind a trusted proxy the right-most address in
// X-Forwarded-For that is not a proxy of ours; and the source that address belongs to (an IPv6 /64 is one host).
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { isIP } from 'node:net';

/**
 * The client's address. Without `trustProxy` the socket's peer. With it, X-Forwarded-For read from the right:
 * each proxy appends the address it got the request from, so the right-most entries are written by our own
 * proxies and everything left of them by whoever sent the request — the left-most one is the client's to
 * choose, and trusting it let anyone pick a fresh key per request. Loopback entries are our proxies (a local
 * Caddy or Tailscale Serve in front); the first other entry from the right is the client.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  const peer = peerAddress(c);
  if (!trustProxy) return peer;
  const header = c.req.header('x-forwarded-for');
  if (!header) return peer;
  const hops = header.split(',').map((h) => stripPort(h.trim())).filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return hop; // not an address (`unknown`, an obfuscated id): a key all the same, chosen by our proxy's neighbour
    if (!isLoopback(hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one host or one home network gets a whole /64). */
export function sourceKey(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (isIP(address) !== 6) return address;
  const groups = expandIPv6(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `1.2.3.4:567` and `[v6]:567` (some proxies add the port) → the address alone. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4 ? v4[1]! : hop;
}

function isLoopback(address: string): boolean {
  const a = sourceKey(address);
  return /^127\./.test(a) || address === '::1';
}

/** Eight hex groups of an IPv6 address (an embedded IPv4 tail counts as two), or null. */
function expandIPv6(address: string): string[] | null {
  let s = address.split('%')[0]!.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  if (fill < 0) return null;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  return groups.length === 8 ? groups.map((g) => g.replace(/^0+(?=.)/, '')) : null;
}
