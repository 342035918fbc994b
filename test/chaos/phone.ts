// A phone as the soak drives it: calls by route name (the route table's request builder), each on a connection of its
// own, that can be cut mid-flight (AbortController) and retried.
import { request } from 'node:http';
import { BLOCK_REASONS, ERROR_KINDS, routeRequest, type RouteArgs, type RouteName } from '../../src/core/index.ts';

export type CallResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: any }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'unreachable'; readonly detail: string };

export interface SoakPhone {
  readonly name: string;
  /** A route of the table by name, e.g. `route('sendMessage', { id, body })`. */
  route<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<CallResult>;
  /** The same, cut after `abortAfterMs` (the phone cannot tell whether the server got it). */
  routeCut<N extends RouteName>(abortAfterMs: number, name: N, ...args: RouteArgs<N>): Promise<CallResult>;
}

/**
 * A phone's HTTP calls, each on a connection of its own (as a phone coming back from sleep opens a new one): through
 * the balancer, every call may land on either instance, and none rides a kept-alive socket of a killed one.
 */
export function createPhone(name: string, url: string, token: string): SoakPhone {
  function call(method: string, path: string, payload: string | null, abortAfterMs?: number): Promise<CallResult> {
    const ctl = new AbortController();
    const timer = abortAfterMs === undefined ? null : setTimeout(() => ctl.abort(), abortAfterMs);
    return new Promise<CallResult>((resolve) => {
      const req = request(`${url}${path}`, {
        method, agent: false, signal: ctl.signal,
        headers: { authorization: `Bearer ${token}`, ...(payload !== null ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.once('error', fail);
        res.once('end', () => {
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = { unparsed: text };
          }
          resolve({ kind: 'response', status: res.statusCode!, body: json });
        });
        // After 'end' this changes nothing (a promise settles once); before it, the answer was cut off.
        res.once('close', () => fail(new Error('the connection closed before the answer ended')));
      });
      function fail(e: unknown) {
        resolve(ctl.signal.aborted ? { kind: 'aborted' } : { kind: 'unreachable', detail: String(e) });
      }
      req.once('error', fail);
      req.end(payload ?? undefined);
    }).finally(() => {
      if (timer) clearTimeout(timer);
    });
  }
  return {
    name,
    route(name, ...args) {
      const req = routeRequest(name, ...args);
      return call(req.method, req.path, req.body);
    },
    routeCut(abortAfterMs, name, ...args) {
      const req = routeRequest(name, ...args);
      return call(req.method, req.path, req.body, abortAfterMs);
    },
  };
}

/** Invariant 4 on one answer: a refusal is a typed error; `blocked` carries a known reason, a sentence and a fix. */
export function refusalProblem(status: number, body: any): string | null {
  if (status < 400) return null;
  if (status >= 500 && status !== 503) return `server error ${status}: ${JSON.stringify(body).slice(0, 300)}`;
  const err = body?.error;
  if (!err || typeof err.kind !== 'string' || !(err.kind in ERROR_KINDS) || typeof err.message !== 'string' || !err.message) {
    return `untyped refusal ${status}: ${JSON.stringify(body).slice(0, 300)}`;
  }
  if ((ERROR_KINDS as Record<string, number>)[err.kind] !== status) return `kind ${err.kind} answered with status ${status}`;
  if (err.kind === 'blocked') {
    if (!(BLOCK_REASONS as readonly string[]).includes(err.reason)) return `blocked without a known reason: ${JSON.stringify(err)}`;
    if (typeof err.sentence !== 'string' || !err.sentence || typeof err.fix !== 'string' || !err.fix) return `blocked ${err.reason} without sentence and fix`;
  }
  return null;
}
