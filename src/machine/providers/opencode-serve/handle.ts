// A running OpenCode session: one `opencode serve` process, its event stream, and the session id it serves.
import type { VendorId } from '../../../core/index.ts';
import type { AgentHandle, DriverEvent } from '../backend.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';
import { createEventMapper } from './event-mapper.ts';
import type { OpencodeClient } from '@opencode-ai/sdk/v2';
import { answer, errorText, isNotFound, timed } from './http-api.ts';
import type { OpencodeEvent, SseConnection } from './sse-client.ts';

/**
 * Routes server events to a handle once one exists. The stream is opened before the session is
 * created or checked (so its first events are not missed); until then events wait here.
 */
export class EventRouter {
  private early: OpencodeEvent[] = [];
  private sink: ((e: OpencodeEvent) => void) | null = null;
  private closedReason: string | null = null;
  private onClosedSink: ((reason: string) => void) | null = null;

  push = (event: OpencodeEvent): void => {
    if (this.sink) this.sink(event);
    else if (this.early.length < 1_000) this.early.push(event);
  };

  closed = (reason: string): void => {
    this.closedReason = reason;
    this.onClosedSink?.(reason);
  };

  attach(sink: (e: OpencodeEvent) => void, onClosed: (reason: string) => void): void {
    this.sink = sink;
    this.onClosedSink = onClosed;
    for (const e of this.early.splice(0)) sink(e);
    if (this.closedReason !== null) onClosed(this.closedReason);
  }
}

export interface OpencodeHandleParts {
  readonly vendorId: VendorId;
  readonly proc: AgentProcess;
  readonly client: OpencodeClient;
  readonly sse: SseConnection;
  readonly router: EventRouter;
  /** Start: OpenCode saved the session when it created it, so it is resumable at once. */
  readonly persisted: boolean;
  readonly permissionMode?: string | undefined;
}

export function createOpencodeHandle(p: OpencodeHandleParts): AgentHandle {
  const events = new EventStream();
  // The permission mode is OpenCode's agent (build, plan), named with each prompt.
  let agent: string | null = p.permissionMode ?? null;
  const mapper = createEventMapper(p.vendorId);
  let stopping: Promise<void> | null = null;
  let requested = false; // Baton asked for the stop: the exit is not news
  let lostStream: string | null = null;
  const shutdown = () => {
    stopping ??= (async () => {
      p.sse.close();
      await p.proc.stop();
    })();
    return stopping;
  };

  if (p.persisted) events.emit({ kind: 'persisted' });
  p.router.attach(
    (e) => {
      for (const d of mapper.map(e)) events.emit(d);
    },
    (reason) => {
      void (async () => {
        // The stream also ends when the server dies; then the exit event says why.
        const exit = await withTimeout(p.proc.exited, 1_000);
        if (exit !== TIMED_OUT || stopping) return;
        // Without its event stream the session is deaf: stop the server so the daemon sees an exit, not silence.
        lostStream = reason;
        await shutdown();
      })();
    },
  );
  void p.proc.exited.then((exit) => {
    p.sse.close();
    const detail = lostStream !== null ? `lost the OpenCode event stream (${lostStream})` : requested ? null : p.proc.describeExit(exit);
    const event: DriverEvent = { kind: 'exit', code: exit.code, signal: exit.signal, detail };
    events.emit(event);
  });

  const handle: AgentHandle = {
    vendorId: p.vendorId,
    pid: p.proc.pid,
    async send(text) {
      if (!p.proc.running) throw new Error('the OpenCode server is not running');
      mapper.turnStarted();
      const sent = await answer(p.client.session.promptAsync({ sessionID: p.vendorId, parts: [{ type: 'text', text }], ...(agent ? { agent } : {}) }, timed()));
      if (sent.status >= 300) throw new Error(`OpenCode refused the message: ${errorText(sent)}`);
    },
    async setPermissionMode(mode) {
      agent = mode;
    },
    async answerPermission(permissionId, decision, scope = 'once') {
      // `always`: OpenCode stops asking for the request's `always` patterns until the session ends.
      const reply = decision === 'allow' ? (scope === 'session' ? 'always' : 'once') : 'reject';
      let got = await answer(p.client.permission.reply({ requestID: permissionId, reply }, timed()));
      // Servers before the permission rework answer on the session route instead.
      if (isNotFound(got)) got = await answer(p.client.permission.respond({ sessionID: p.vendorId, permissionID: permissionId, response: reply }, timed()));
      if (got.status >= 300) throw new Error(`OpenCode refused the permission answer: ${errorText(got)}`);
    },
    async interrupt() {
      if (!p.proc.running) return;
      mapper.interruptRequested();
      await answer(p.client.session.abort({ sessionID: p.vendorId }, timed()));
    },
    stop() {
      requested = true;
      return shutdown();
    },
    onEvent(listener) {
      return events.subscribe(listener);
    },
  };
  return handle;
}
