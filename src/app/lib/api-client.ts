// A small fetch wrapper for one Baton server: bearer token, JSON, and refusals turned into typed errors.
import type { ApiErrorBody } from '../../core/errors.ts';

/** The server answered with a refusal (`{error: {kind, message, ...}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody['error'],
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
  /** Worth trying again later with the same request (the server or the path to it is struggling). */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The request never got an answer (offline, DNS, connection refused, CORS). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface ApiClient {
  readonly server: string;
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface ApiClientOptions {
  readonly server: string;
  readonly token?: string | undefined;
  readonly fetch?: typeof fetch;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${opts.server}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new NetworkError(e instanceof Error ? e.message : String(e));
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const err = (json as ApiErrorBody | null)?.error;
      throw new ApiError(res.status, err ?? { kind: res.status >= 500 ? 'internal' : 'bad-request', message: `HTTP ${res.status}` });
    }
    return json as T;
  }
  return {
    server: opts.server,
    get: (path) => request('GET', path),
    send: (method, path, body) => request(method, path, body),
  };
}

/** Turn what the user typed or a link carried into `https://host[:port]` (no trailing slash), or say why not. */
export function normalizeServer(input: string): { ok: true; server: string } | { ok: false; message: string } {
  const raw = input.trim();
  if (!raw) return { ok: false, message: 'Enter the server address shown by `baton up`.' };
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return { ok: false, message: `“${raw}” is not a web address.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'The server address must start with http:// or https://.' };
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, server: `${url.protocol}//${url.host}${path}` };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.body.sentence ?? e.body.message;
  if (e instanceof NetworkError) return 'Could not reach the server.';
  return e instanceof Error ? e.message : String(e);
}

/** Runs an action for a screen: clears the screen's error first, and shows the failure's sentence if it throws. */
export function errorGuard(setError: (text: string | null) => void): (fn: () => Promise<unknown>) => Promise<void> {
  return async (fn) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    }
  };
}
