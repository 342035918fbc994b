// Which Host names this server answers for: its public URL, localhost, its own addresses (the LAN ones it
// prints), its host name and `--allow-host` names. Anything else is a DNS-rebinding page (evil.example resolving
// to 127.0.0.1 or a LAN address) and gets 421 before any route or socket sees it.
import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { IncomingHttpHeaders } from 'node:http';

export interface HostRule {
  /** The URL people reach the server at (its host is always allowed). */
  readonly publicUrl: () => string;
  /** The address the server is bound to (a specific one is allowed; a wildcard allows every address of the machine). */
  readonly bindHost: string;
  /** More names, from `--allow-host` (a reverse proxy that passes another name through). */
  readonly allowedHosts: readonly string[];
  /** Behind a trusted proxy, `X-Forwarded-Host` (the name the browser used) must be allowed too. */
  readonly trustProxy: boolean;
}

/** How long the machine's own addresses are remembered: they change rarely (DHCP, VPN), and a flood of wrong Hosts must stay cheap. */
const ADDRESSES_TTL_MS = 5_000;

export interface HostCheck {
  /** null when every host the request names is one of ours; otherwise the first foreign one. */
  foreignHost(headers: IncomingHttpHeaders | Record<string, string | undefined>): string | null;
}

export function createHostCheck(rule: HostRule): HostCheck {
  const fixed = new Set<string>(['localhost', ...rule.allowedHosts.map(normalizeHost)]);
  const name = osHostname().toLowerCase();
  if (name) for (const n of [name, `${name}.local`]) fixed.add(n);
  if (!isWildcard(rule.bindHost)) fixed.add(normalizeHost(rule.bindHost));
  let own: { at: number; set: Set<string> } | null = null;

  const ownAddresses = (): Set<string> => {
    const now = Date.now();
    if (own && now - own.at < ADDRESSES_TTL_MS) return own.set;
    const set = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) set.add(normalizeHost(a.address.split('%')[0]!));
    own = { at: now, set };
    return set;
  };

  const allowed = (raw: string): boolean => {
    const host = hostOf(raw);
    if (host === null) return false;
    if (fixed.has(host) || host.endsWith('.localhost') || isLoopback(host)) return true;
    const publicHost = hostOf(safeHost(rule.publicUrl()) ?? '');
    if (publicHost !== null && publicHost === host) return true;
    return ownAddresses().has(host);
  };

  return {
    foreignHost(headers) {
      const names: string[] = [];
      const host = headers.host;
      // HTTP/1.1 requires Host; a request without one is not from a browser (no rebinding) — but it is refused
      // all the same, so nothing depends on which name the server would have guessed.
      names.push(typeof host === 'string' ? host : '');
      if (rule.trustProxy) {
        const fwd = headers['x-forwarded-host'];
        const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
        if (first) names.push(first);
      }
      for (const n of names) if (!allowed(n)) return n;
      return null;
    },
  };
}

/** `name:port`, `[v6]:port`, `v6` or `name` → the lower-case name without port or brackets; null when it is none. */
export function hostOf(raw: string): string | null {
  const s = raw.trim().toLowerCase();
  if (s === '') return null;
  let host: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    host = s.slice(1, end);
  } else if ((s.match(/:/g) ?? []).length > 1) {
    host = s; // a bare IPv6 address
  } else {
    host = s.replace(/:\d*$/, '');
  }
  host = host.replace(/\.$/, '');
  return /^[a-z0-9.:_-]+$/.test(host) ? normalizeHost(host) : null;
}

function normalizeHost(h: string): string {
  const s = h.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  return mapped ? mapped[1]! : s;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === '0:0:0:0:0:0:0:1';
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function safeHost(url: string): string | null {
  try {
    return url ? new URL(url).host : null;
  } catch {
    return null;
  }
}
