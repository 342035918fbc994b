// The OpenCode server client: `@opencode-ai/sdk` with the server's password, scoped to the session's directory.
import { createOpencodeClient, type OpencodeClient } from '@opencode-ai/sdk/v2';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** Per-request options: no call waits forever (the event stream is the only long request, and it has none). */
export const timed = () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

export function basicAuth(password: string): string {
  return `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}`;
}

/** A client for one server; `directory` scopes every request to the session's project, as OpenCode's own clients do. */
export function createClient(url: string, password: string, directory: string): OpencodeClient {
  return createOpencodeClient({
    baseUrl: url, directory, headers: { authorization: basicAuth(password) },
  });
}

/** What an SDK call answered: its HTTP status and body (the error body when it failed). Network failures reject. */
export async function answer(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<ApiAnswer> {
  const r = await call;
  return { status: r.response.status, body: r.error !== undefined ? r.error : r.data };
}

/** The error sentence inside an OpenCode error body (`{name, data: {message}}`), else the raw body. */
export function errorText(a: ApiAnswer): string {
  const b = a.body as { name?: unknown; data?: { message?: unknown } } | null;
  const message = typeof b?.data?.message === 'string' ? b.data.message : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  const name = typeof b?.name === 'string' ? `${b.name}: ` : '';
  return `HTTP ${a.status} ${name}${message}`.slice(0, 1_000);
}

export function isNotFound(a: ApiAnswer): boolean {
  return a.status === 404 || (a.body as { name?: unknown } | null)?.name === 'NotFoundError';
}
