// The one typed HTTP client of the route table: inputs typed from its schemas, answers typed from its responses.
// `fetch` is injected (the page's, the worker's, Node's), so the app, the CLI, the bench and the tests all call the API
// through it: `createRouteCaller` answers the route's type or throws a typed refusal (the app's client); `callRoute`
// gives the reply as data (for a caller that words refusals its own way). It reads only route-paths.ts at run time.
import type * as v from 'valibot';
import type { ApiErrorBody } from './errors.ts';
import { ROUTE_PATHS, type RouteName } from './route-paths.ts';
import type { ParamDef, RouteDefOf, RouteResponse } from './routes.ts';

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

type ParamsIn<N extends RouteName> = RouteDefOf<N> extends { readonly params: infer P }
  ? { readonly [K in keyof P]: P[K] extends ParamDef<infer S> ? v.InferOutput<S> | string : never }
  : {};
/** Query values as numbers or strings; they travel as text and the server's schema reads them. */
export type RouteQuery<N extends RouteName> = RouteDefOf<N> extends { readonly query: infer Q extends v.GenericSchema }
  ? { readonly [K in keyof v.InferInput<Q>]?: string | number | undefined }
  : never;
export type RouteBody<N extends RouteName> = RouteDefOf<N> extends { readonly body: infer B extends v.GenericSchema } ? v.InferInput<B> : never;

/** What a call takes: the path params by name, then `query` and `body` where the route has them. */
export type RouteInput<N extends RouteName> = ParamsIn<N>
  & ([RouteQuery<N>] extends [never] ? {} : { readonly query?: RouteQuery<N> })
  & ([RouteBody<N>] extends [never] ? {} : {} extends RouteBody<N> ? { readonly body?: RouteBody<N> } : { readonly body: RouteBody<N> });
/** The input may be left out when nothing in it is required. */
export type RouteArgs<N extends RouteName> = {} extends RouteInput<N> ? [input?: RouteInput<N>] : [input: RouteInput<N>];

export interface RouteRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/sessions/ses_1/messages?after=3`. */
  readonly path: string;
  /** JSON text, or null when the route takes no body. */
  readonly body: string | null;
}

/** Method, path (params filled in, encoded) and body of one call. */
export function routeRequest<N extends RouteName>(name: N, ...[input]: RouteArgs<N>): RouteRequest {
  const [method, pattern] = ROUTE_PATHS[name].split(' ') as [string, string];
  const given = (input ?? {}) as { readonly [key: string]: unknown; readonly query?: Readonly<Record<string, string | number | undefined>>; readonly body?: unknown };
  const path = pattern.replace(/:(\w+)/g, (_, key: string) => {
    const value = given[key];
    if (typeof value !== 'string') throw new TypeError(`${name}: missing path parameter ${key}`);
    return encodeURIComponent(value);
  });
  const query = Object.entries(given.query ?? {})
    .flatMap(([k, x]) => (x === undefined ? [] : [`${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`]))
    .join('&');
  // A POST, PUT or PATCH always carries JSON (`{}` when the route reads none); GET and DELETE carry nothing.
  const body = method === 'GET' || method === 'DELETE' ? null : JSON.stringify(given.body ?? {});
  return { method, path: query ? `${path}?${query}` : path, body };
}

/** The slice of `fetch` the client uses (the page's, the worker's and Node's all fit). */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body: string | null;
  cache?: 'no-store';
}) => Promise<{ readonly status: number; readonly ok: boolean; text(): Promise<string> }>;

export interface RouteClientOptions {
  /** The server's base URL, e.g. `https://baton.example` (a trailing slash is dropped). */
  readonly server: string;
  readonly token?: string | null | undefined;
  readonly fetch: FetchLike;
}

/** An answer before it is typed by its route: the parsed JSON (null when none), or the refusal's error body. */
export type RouteReply<T = unknown> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly error: ApiErrorBody['error'] | null; readonly text: string };

/** Sends one request (auth, JSON) and reads the answer; a network failure rejects (each wrapper words it its own way). */
export async function sendRequest(opts: RouteClientOptions, req: RouteRequest): Promise<RouteReply> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (req.body !== null) headers['content-type'] = 'application/json';
  const res = await opts.fetch(`${opts.server.replace(/\/+$/, '')}${req.path}`, { method: req.method, headers, body: req.body, cache: 'no-store' });
  const text = res.status === 204 ? '' : await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return { ok: true, status: res.status, body: json };
  const error = json !== null && typeof json === 'object' && 'error' in json ? (json as ApiErrorBody).error : null;
  return { ok: false, status: res.status, error, text };
}

/** Calls a route by name; the answer is typed by the route (the server registers its handlers from the same table). */
export function callRoute<N extends RouteName>(opts: RouteClientOptions, name: N, ...args: RouteArgs<N>): Promise<RouteReply<RouteResponse<N>>> {
  return sendRequest(opts, routeRequest(name, ...args)) as Promise<RouteReply<RouteResponse<N>>>;
}

/** One server's API: `call('sendMessage', { id, body })` answers the route's type, or throws ApiError / NetworkError. */
export interface RouteCaller {
  readonly server: string;
  call<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>>;
}

export function createRouteCaller(opts: RouteClientOptions): RouteCaller {
  return {
    server: opts.server,
    async call(name, ...args) {
      let reply;
      try {
        reply = await callRoute(opts, name, ...args);
      } catch (e) {
        throw new NetworkError(e instanceof Error ? e.message : String(e));
      }
      if (reply.ok) return reply.body;
      throw new ApiError(reply.status, reply.error ?? { kind: reply.status >= 500 ? 'internal' : 'bad-request', message: `HTTP ${reply.status}` });
    },
  };
}
