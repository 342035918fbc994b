// The few OpenCode server routes Baton calls, as small typed requests against one server URL.

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const REQUEST_TIMEOUT_MS = 15_000;

export class OpencodeApi {
  constructor(readonly url: string, private readonly directory: string) {}

  /** Sends one request; network failures reject, any HTTP status resolves. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer> {
    // `directory` scopes the request to the session's project, as OpenCode's own clients do.
    const target = `${this.url}${path}${path.includes('?') ? '&' : '?'}directory=${encodeURIComponent(this.directory)}`;
    const res = await fetch(target, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error detail
    }
    return { status: res.status, body: parsed };
  }
}

/** The error sentence inside an OpenCode error body (`{name, data: {message}}`), else the raw body. */
export function errorText(answer: ApiAnswer): string {
  const b = answer.body as { name?: unknown; data?: { message?: unknown } } | null;
  const message = typeof b?.data?.message === 'string' ? b.data.message : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const name = typeof b?.name === 'string' ? `${b.name}: ` : '';
  return `HTTP ${answer.status} ${name}${message}`.slice(0, 1_000);
}

export function isNotFound(answer: ApiAnswer): boolean {
  return answer.status === 404 || (answer.body as { name?: unknown } | null)?.name === 'NotFoundError';
}
