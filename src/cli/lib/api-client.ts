// The HTTP API as the CLI sees it: the route table's client (src/core/route-client.ts), refusals as one clear CliError line.
import {
  formatTime, routeRequest, sendRequest, type ApiErrorBody, type FetchLike, type RouteArgs, type RouteName, type RouteRequest, type RouteResponse,
} from '../../core/index.ts';
import { CliError } from './cli-error.ts';

export class ApiError extends CliError {
  constructor(readonly status: number, readonly body: ApiErrorBody['error'] | null, message: string) {
    super(message);
  }
}

export interface ApiClient {
  readonly serverUrl: string;
  readonly token: string;
  /** A route of the table by name (`call('getSession', { id })`), its answer typed by the route. */
  call<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>>;
  /** A request by method and path, for tests that bend one; commands use `call`. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** Node's fetch; `cache` is a browser's notion and stays out. */
const nodeFetch: FetchLike = (url, { method, headers, body }) => fetch(url, { method, headers, ...(body !== null ? { body } : {}) });

export function createApiClient(serverUrl: string, token: string): ApiClient {
  const base = serverUrl.replace(/\/+$/, '');
  const client = { server: base, token, fetch: nodeFetch };
  async function send<T>(req: RouteRequest): Promise<T> {
    let reply;
    try {
      reply = await sendRequest(client, req);
    } catch (e) {
      throw new CliError(`cannot reach the server at ${base}: ${(e as { cause?: { code?: string } }).cause?.code ?? String(e)}`);
    }
    if (!reply.ok) throw new ApiError(reply.status, reply.error, describeApiError(reply.status, reply.error));
    return reply.body as T;
  }
  const request = <T>(method: string, path: string, body?: unknown) => send<T>({ method, path, body: body === undefined ? null : JSON.stringify(body) });
  return {
    serverUrl: base,
    token,
    call: (name, ...args) => send(routeRequest(name, ...args)),
    request,
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b ?? {}),
  };
}

/** `blocked: machine-offline: “laptop” is not connected. Start `baton daemon` on that machine.` */
export function describeApiError(status: number, err: ApiErrorBody['error'] | null): string {
  if (!err) return `the server answered ${status}`;
  if (err.kind === 'blocked' && err.reason) {
    // Times come as data; the terminal phrases them ("last seen 2 min ago"), never an ISO string.
    const seen = err.reason === 'machine-offline' && typeof err.lastSeenAt === 'number' ? ` (last seen ${formatTime(err.lastSeenAt, Date.now())})` : '';
    const sentence = (err.sentence ?? err.message).replace(/\.$/, `${seen}.`);
    return `blocked: ${err.reason}: ${sentence}${err.fix ? ` ${err.fix}` : ''}`;
  }
  if (err.kind === 'unauthorized') return `${err.message} (the token was refused: pair this terminal again)`;
  return `${err.kind}: ${err.message}`;
}
