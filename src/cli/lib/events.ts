// The events socket (/api/events) for the CLI: a hint stream; every wait re-checks over HTTP on each hint.
import WebSocket from 'ws';
import { PROTOCOL_VERSION, SOCKET_PATHS, parsePhoneDown, type PhoneDown } from '../../core/index.ts';
import type { ApiClient } from './api-client.ts';
import { CliError } from './cli-error.ts';

export interface EventStream {
  /** Resolves once the server welcomed us. */
  readonly ready: Promise<void>;
  close(): void;
}

export function eventsUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${SOCKET_PATHS.events}`;
  return u.toString();
}

/**
 * Opens the events socket; `onFrame` sees welcome/changed/message; `onClose` fires if it drops. A frame that does
 * not match the protocol is dropped, and the first one is reported on stderr (`warn`).
 */
export function openEvents(
  api: ApiClient, onFrame: (f: PhoneDown) => void, onClose?: () => void,
  warn: (line: string) => void = (line) => process.stderr.write(`baton: ${line}\n`),
): EventStream {
  const ws = new WebSocket(eventsUrl(api.serverUrl));
  let closedByUs = false;
  let dropped = 0;
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: api.token })));
    ws.on('message', (d) => {
      const parsed = parsePhoneDown(d.toString());
      if (!parsed.ok) {
        if (dropped++ === 0) warn(`the events socket dropped ${parsed.why} (further ones are dropped silently)`);
        return;
      }
      const f = parsed.frame;
      if (f.type === 'welcome') resolve();
      if (f.type === 'error') reject(new CliError(`the events socket was refused: ${f.message}`));
      onFrame(f);
    });
    ws.on('error', (e) => reject(new CliError(`cannot open the events socket: ${e.message}`)));
    ws.on('close', () => {
      reject(new CliError('the events socket closed'));
      if (!closedByUs) onClose?.();
    });
  });
  ready.catch(() => {});
  return {
    ready,
    close() {
      closedByUs = true;
      ws.close();
    },
  };
}

/**
 * Wait until `check` returns a value: checked once the socket is up and again on every hint, with a
 * slow poll as a safety net in case a hint is missed. Rejects after `timeoutMs`.
 */
export async function waitUntil<T>(api: ApiClient, check: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let running = false;
    let again = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      events.close();
      fn();
    };
    const run = async () => {
      if (done) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const v = await check();
        if (v !== null) finish(() => resolve(v));
      } catch (e) {
        finish(() => reject(e));
      } finally {
        running = false;
        if (again && !done) {
          again = false;
          void run();
        }
      }
    };
    const events = openEvents(api, (f) => {
      if (f.type === 'welcome' || f.type === 'changed' || f.type === 'message') void run();
    });
    const timer = setTimeout(() => finish(() => reject(new CliError(`timed out waiting for ${what}`))), timeoutMs);
    const poll = setInterval(() => void run(), 2_000);
    events.ready.catch(() => void run());
  });
}
