// The app's client of one Baton server: the route table's client (src/core/route-client.ts) with refusals as typed errors.
import type { ApiErrorBody } from '../../core/errors.ts';
import { callRoute, type RouteArgs } from '../../core/route-client.ts';
import type { RouteName } from '../../core/route-paths.ts';
import type { RouteResponse } from '../../core/routes.ts';

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

/** One Baton server's API: `call('sendMessage', { id, body })` answers the route's type, or throws ApiError / NetworkError. */
export interface ApiClient {
  readonly server: string;
  call<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>>;
}

export interface ApiClientOptions {
  readonly server: string;
  readonly token?: string | undefined;
  readonly fetch?: typeof fetch;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const client = { server: opts.server, token: opts.token, fetch: doFetch };
  return {
    server: opts.server,
    async call(name, ...args) {
      let reply;
      try {
        reply = await callRoute(client, name, ...args);
      } catch (e) {
        throw new NetworkError(e instanceof Error ? e.message : String(e));
      }
      if (reply.ok) return reply.body;
      throw new ApiError(reply.status, reply.error ?? { kind: reply.status >= 500 ? 'internal' : 'bad-request', message: `HTTP ${reply.status}` });
    },
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
