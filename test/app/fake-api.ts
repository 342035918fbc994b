// A scripted stand-in for a Baton server's HTTP API, injected as `fetch`: records every request in order.
import type { MessageRecord } from '../../src/core/records.ts';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly auth: string | null;
}

export type Handler = (req: Recorded) => { status: number; body?: unknown } | 'network-down';

export interface FakeApi {
  readonly fetch: typeof fetch;
  readonly calls: Recorded[];
  /** Replace how the server answers (default: accept every message). */
  handle(fn: (req: Recorded) => ReturnType<Handler> | undefined): void;
  /** The messages the server stored, by client id (so a repeated client id answers 200 with the same one). */
  readonly stored: Map<string, MessageRecord>;
}

export function userMessage(sessionId: string, clientId: string, text: string, seq: number, state: MessageRecord['state'] = 'accepted'): MessageRecord {
  return { id: `m-${clientId}`, sessionId, seq, role: 'user', text, clientId, state, failure: null, tool: null, permission: null, createdAt: 1, updatedAt: seq };
}

export function createFakeApi(): FakeApi {
  const calls: Recorded[] = [];
  const stored = new Map<string, MessageRecord>();
  let seq = 0;
  const acceptMessages: Handler = (req) => {
    const m = /^.*\/api\/sessions\/([^/]+)\/messages$/.exec(req.url);
    if (req.method === 'POST' && m) {
      const { clientId, text } = req.body as { clientId: string; text: string };
      const existing = stored.get(clientId);
      if (existing) return { status: 200, body: { message: existing } };
      const msg = userMessage(decodeURIComponent(m[1]!), clientId, text, ++seq);
      stored.set(clientId, msg);
      return { status: 202, body: { message: msg } };
    }
    return { status: 404, body: { error: { kind: 'not-found', message: 'no such route' } } };
  };
  let handler: Handler = acceptMessages;
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const req: Recorded = {
      method: init?.method ?? 'GET',
      url: String(input),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : null,
      auth: headers.get('authorization'),
    };
    calls.push(req);
    const res = handler(req);
    if (res === 'network-down') throw new TypeError('Failed to fetch');
    return new Response(res.body === undefined ? null : JSON.stringify(res.body), { status: res.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return {
    fetch: fakeFetch,
    calls,
    stored,
    handle(fn) {
      handler = (req) => {
        const r = fn(req);
        return r === undefined ? acceptMessages(req) : r;
      };
    },
  };
}
