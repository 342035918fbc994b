// The HTTP API as the CLI sees it: bearer auth, JSON, and refusals turned into one clear CliError line.
import { formatTime, type ApiErrorBody } from '../../core/index.ts';
import { CliError } from './cli-error.ts';

export class ApiError extends CliError {
  constructor(readonly status: number, readonly body: ApiErrorBody['error'] | null, message: string) {
    super(message);
  }
}

export interface ApiClient {
  readonly serverUrl: string;
  readonly token: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export function createApiClient(serverUrl: string, token: string): ApiClient {
  const base = serverUrl.replace(/\/+$/, '');
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new CliError(`cannot reach the server at ${base}: ${(e as { cause?: { code?: string } }).cause?.code ?? String(e)}`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below with the status
    }
    if (!res.ok) {
      const err = (json as ApiErrorBody | null)?.error ?? null;
      throw new ApiError(res.status, err, describeApiError(res.status, err));
    }
    return json as T;
  }
  return {
    serverUrl: base,
    token,
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
