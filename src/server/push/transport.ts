// The push service port: one encrypted POST to a subscription's endpoint (RFC 8030), and its answer.
// `fetchTransport` is the real one; `memoryTransport` stands in for a push service in unit tests.

export interface PushRequest {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
}

export interface PushAnswer {
  /** HTTP status; 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** From `Retry-After` (429, 503), in ms. */
  readonly retryAfterMs: number | null;
  readonly error: string | null;
}

export interface PushTransport {
  post(request: PushRequest, signal: AbortSignal): Promise<PushAnswer>;
}

/** Node's fetch, bounded by `timeoutMs` per request. */
export function fetchTransport(timeoutMs = 10_000): PushTransport {
  return {
    async post(request, signal) {
      try {
        const res = await fetch(request.endpoint, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          redirect: 'error',
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        return { status: res.status, retryAfterMs: retryAfter(res.headers.get('retry-after')), error: res.ok ? null : `push service answered ${res.status}` };
      } catch (err) {
        return { status: 0, retryAfterMs: null, error: (err as Error).message };
      }
    },
  };
}

function retryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Answers from a script (one status per call, then the last again) and records every request. */
export function memoryTransport(statuses: readonly number[] = [201]): PushTransport & { readonly requests: PushRequest[] } {
  const requests: PushRequest[] = [];
  return {
    requests,
    async post(request) {
      requests.push(request);
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)] ?? 201;
      return { status, retryAfterMs: null, error: status >= 200 && status < 300 ? null : `scripted ${status}` };
    },
  };
}
