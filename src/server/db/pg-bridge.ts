// A synchronous call into Postgres from the server thread. The stores, the session step and every `ctx.change` are
// synchronous — one transaction runs to its end before anything else happens in this process, which is what their
// guarantees rest on — so a query waits here for its answer: posted to a worker that owns the connection
// (pg-worker.mjs), the thread asleep on a shared flag until the worker wakes it. Notifications come back the
// ordinary way, as messages, when the event loop is free.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export type Value = string | number | null;

export type BridgeRequest =
  | { readonly op: 'query'; readonly text: string; readonly values: readonly Value[]; readonly name?: string; readonly prefix?: string }
  | { readonly op: 'exec'; readonly text: string }
  | { readonly op: 'listen'; readonly channels: readonly string[] }
  | { readonly op: 'close' };

export interface BridgeAnswer {
  readonly rows: Record<string, unknown>[];
  readonly changes: number;
}

/** A statement Postgres refused, with its SQLSTATE (`code`: 40001 serialization failure, 23505 unique violation…). */
export class PostgresError extends Error {
  constructor(message: string, readonly code: string | null, readonly detail: string | null) {
    super(message);
    this.name = 'PostgresError';
  }
}

export interface Bridge {
  call(req: BridgeRequest): BridgeAnswer;
  /** Called with each notification on a LISTENed channel; `channel` '' says the listening connection was made again. */
  onNotification(fn: (channel: string, payload: string) => void): void;
  close(): void;
}

/** How long one statement may take before the server gives up on the database (a lock held for ever, a dead link). */
const CALL_TIMEOUT_MS = 30_000;

/** Workers whose link was closed, ready for the next one. */
const idle: Worker[] = [];
const IDLE_MAX = 4;

function spawn(): Worker {
  const worker = new Worker(new URL('./pg-worker.mjs', import.meta.url));
  // A worker never keeps the process alive by itself.
  worker.unref();
  return worker;
}

export function openBridge(url: string): Bridge {
  const flag = new Int32Array(new SharedArrayBuffer(4)); // the number of the last call answered
  const calls = new MessageChannel();
  const notes = new MessageChannel();
  const worker = idle.pop() ?? spawn();
  worker.postMessage({ type: 'attach', url, flag: flag.buffer, port: calls.port2, notifications: notes.port2 }, [calls.port2, notes.port2]);
  let broken: Error | null = null;
  const onError = (e: Error) => void (broken = e);
  worker.on('error', onError);
  const listeners: ((channel: string, payload: string) => void)[] = [];
  notes.port1.on('message', (m: { channel: string; payload: string }) => {
    for (const fn of listeners) fn(m.channel, m.payload);
  });
  notes.port1.unref(); // after `on('message')`, which refs the port again

  let seq = 0;
  function call(req: BridgeRequest): BridgeAnswer {
    if (broken) throw new PostgresError(`the database link failed: ${broken.message}`, null, null);
    // Each call has its number: the worker writes it to the flag when its answer is posted. A wake-up for an earlier
    // call (its notify can land after we already posted this one) sees an older number and sleeps again.
    seq = (seq + 1) | 0;
    calls.port1.postMessage({ ...req, seq });
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (let seen = Atomics.load(flag, 0); seen !== seq; seen = Atomics.load(flag, 0)) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(flag, 0, seen, left) === 'timed-out') {
        broken = new Error(`no answer from Postgres in ${CALL_TIMEOUT_MS / 1000} s`);
        void worker.terminate();
        throw new PostgresError(broken.message, null, null);
      }
    }
    type Answer = ((BridgeAnswer & { error?: undefined }) | { error: { message: string; code: string | null; detail: string | null } }) & { seq: number };
    // Each answer names its call: one of another call is never taken for this one's.
    let answer: Answer | undefined;
    do answer = receiveMessageOnPort(calls.port1 as MessagePort)?.message as Answer | undefined;
    while (answer && answer.seq !== seq);
    if (!answer) throw new PostgresError('the database link lost an answer', null, null);
    if (answer.error) throw new PostgresError(answer.error.message, answer.error.code, answer.error.detail);
    return answer;
  }

  return {
    call,
    onNotification: (fn) => void listeners.push(fn),
    close() {
      let reusable = !broken;
      if (!broken) {
        try {
          call({ op: 'close' });
        } catch {
          reusable = false;
        }
      }
      notes.port1.close();
      calls.port1.close();
      worker.off('error', onError);
      // Its connections ended: the next link of this process may use it (tests open many; a server opens one).
      if (reusable && idle.length < IDLE_MAX) idle.push(worker);
      else void worker.terminate();
    },
  };
}
