// One running `claude -p` in stream-json mode: turns its output into driver events and guards the session id.
import { randomUUID } from 'node:crypto';
import type { AgentHandle, DriverEvent } from '../backend.ts';
import { asPermissionId, inputText, type VendorId } from '../../../core/index.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { DriverError } from '../shared/driver-error.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';
import { freshNotes, retryNotice, turnFailure, type TurnNotes } from './turn-outcome.ts';
import { createToolTracker } from './tool-events.ts';

type Json = Record<string, any>;
const PERMISSION_ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** How the handshake ended: loaded (with the pid the CLI says it runs as), or a typed failure. */
export type HandshakeResult = { ok: true; pid: number | null } | { ok: false; code: 'vendor-not-found' | 'vendor-error' | 'vendor-id-mismatch' | 'timeout' | 'dependency-missing'; detail: string };

export interface ClaudeSessionOptions {
  readonly timeoutMs: number;
  /** Tells whether the vendor has saved the transcript (checked from the first turn's start until true). */
  readonly isPersisted: () => boolean;
  readonly alreadyPersisted: boolean;
  /** Claude came back under another id at its first turn: clear away that fork's transcript (after it exited). */
  readonly onFork?: (forkId: string) => void;
}

export class ClaudeSession implements AgentHandle {
  readonly pid: number | null;
  private readonly events = new EventStream();
  private readonly pendingControl = new Map<string, (response: Json) => void>();
  private readonly permissions = new Map<string, { requestId: string; input: unknown; suggestions: unknown[] }>();
  private readonly tools = createToolTracker();
  /** Resolved when `system/init` confirmed our id; rejected when it named another one. */
  private initCheck: { promise: Promise<void>; resolve: () => void; reject: (e: DriverError) => void };
  private initVerified = false;
  private failure: DriverError | null = null;
  private stopping = false;
  private persistedSent = false;
  private watchingPersisted = false;
  private earlyResult: Json | null = null;
  private readonly earlyResultWaiters = new Set<(r: Json) => void>();
  private notes: TurnNotes = freshNotes();
  private readonly timeoutMs: number;

  constructor(
    readonly vendorId: VendorId,
    private readonly proc: AgentProcess,
    private readonly o: ClaudeSessionOptions,
  ) {
    this.pid = proc.pid;
    this.timeoutMs = o.timeoutMs;
    this.persistedSent = o.alreadyPersisted;
    let resolve!: () => void;
    let reject!: (e: DriverError) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {});
    this.initCheck = { promise, resolve, reject };
    proc.onLine((value) => this.onMessage(value as Json));
    void proc.exited.then((exit) => {
      const detail = this.failure?.message ?? (this.stopping ? null : proc.describeExit(exit));
      this.initCheck.reject(this.failure ?? new DriverError('vendor-error', detail ?? 'the agent exited'));
      for (const resolveControl of this.pendingControl.values()) resolveControl({ subtype: 'error', error: 'the agent exited' });
      this.pendingControl.clear();
      // A turn that never finished (crash, stop) still left the transcript Claude wrote at its start.
      if (this.initVerified && !this.failure) this.checkPersisted();
      this.events.emit({ kind: 'exit', code: exit.code, signal: exit.signal, detail });
    });
  }

  /** Sends `initialize` and waits for its success: by then the CLI is up and, on --resume, the conversation is loaded. */
  async handshake(): Promise<HandshakeResult> {
    const requestId = randomUUID();
    const answered = new Promise<Json>((resolve) => this.pendingControl.set(requestId, resolve));
    const failedEarly = new Promise<Json>((resolve) => {
      if (this.earlyResult) resolve(this.earlyResult);
      else this.earlyResultWaiters.add(resolve);
    });
    const exited = this.proc.exited.then((exit) => ({ exit }));
    try {
      await this.proc.write({ type: 'control_request', request_id: requestId, request: { subtype: 'initialize', hooks: null } });
    } catch {
      // the process died before reading; `exited` reports how
    }
    const outcome = await withTimeout(Promise.race([answered.then((r) => ({ control: r })), failedEarly.then((r) => ({ result: r })), exited]), this.timeoutMs);
    if (outcome === TIMED_OUT) return { ok: false, code: 'timeout', detail: `claude did not answer initialize within ${this.timeoutMs} ms` };
    if ('exit' in outcome) {
      if (this.failure) return { ok: false, code: this.failure.code as 'vendor-id-mismatch', detail: this.failure.message };
      const code = outcome.exit.spawnError?.startsWith('ENOENT') ? 'dependency-missing' : 'vendor-error';
      return { ok: false, code, detail: `claude ${this.proc.describeExit(outcome.exit)}` };
    }
    if ('result' in outcome) {
      const errors: string[] = Array.isArray(outcome.result.errors) ? outcome.result.errors.map(String) : [String(outcome.result.result ?? outcome.result.error ?? 'error')];
      const notFound = errors.some((e) => /No conversation found/i.test(e));
      return { ok: false, code: notFound ? 'vendor-not-found' : 'vendor-error', detail: errors.join('; ') };
    }
    if (outcome.control.subtype !== 'success') return { ok: false, code: 'vendor-error', detail: `initialize failed: ${String(outcome.control.error ?? 'unknown error')}` };
    if (this.failure) return { ok: false, code: this.failure.code as 'vendor-id-mismatch', detail: this.failure.message };
    const pid = outcome.control.response?.pid;
    return { ok: true, pid: Number.isInteger(pid) && pid > 0 ? pid : this.proc.pid };
  }

  async send(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    await this.proc.write({ type: 'user', message: { role: 'user', content: [{ type: 'text', text }] }, parent_tool_use_id: null, session_id: this.vendorId });
    if (this.initVerified) return;
    // Claude names its session only with the first turn; until it has said ours, the message is not delivered.
    const verified = await withTimeout(this.initCheck.promise, this.timeoutMs);
    if (verified === TIMED_OUT) {
      this.fail(new DriverError('timeout', `claude did not confirm session ${this.vendorId} within ${this.timeoutMs} ms`));
      throw this.failure;
    }
  }

  async answerPermission(permissionId: string, decision: 'allow' | 'deny', scope: 'once' | 'session' = 'once'): Promise<void> {
    const pending = this.permissions.get(permissionId);
    if (!pending) throw new Error(`no pending permission request ${permissionId}`);
    this.permissions.delete(permissionId);
    // "For this session": Claude's own suggestions (a rule for this command, acceptEdits mode), kept for this
    // session only, never written to the project's settings files as the suggestions would by default.
    const forSession = scope === 'session' && pending.suggestions.length > 0
      ? { updatedPermissions: pending.suggestions.map((p) => ({ ...(p as object), destination: 'session' })) }
      : {};
    const response = decision === 'allow'
      ? { behavior: 'allow', updatedInput: pending.input ?? {}, ...forSession }
      : { behavior: 'deny', message: 'The user denied this from Baton.' };
    await this.proc.write({ type: 'control_response', response: { subtype: 'success', request_id: pending.requestId, response } });
  }

  /** Claude switches modes mid-session (`set_permission_mode`); it answers at once. */
  async setPermissionMode(mode: string): Promise<void> {
    const requestId = randomUUID();
    const answered = new Promise<Json>((resolve) => this.pendingControl.set(requestId, resolve));
    await this.proc.write({ type: 'control_request', request_id: requestId, request: { subtype: 'set_permission_mode', mode } });
    const r = await withTimeout(answered, this.timeoutMs);
    if (r !== TIMED_OUT && r.subtype !== 'success') throw new Error(`claude refused permission mode ${mode}: ${String(r.error ?? 'unknown error')}`);
  }

  async interrupt(): Promise<void> {
    this.notes.interruptRequested = true;
    const requestId = randomUUID();
    const answered = new Promise<Json>((resolve) => this.pendingControl.set(requestId, resolve));
    await this.proc.write({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } });
    await withTimeout(answered, this.timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc.stop();
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Stops the process for a typed reason; the exit event carries it. */
  private fail(error: DriverError): void {
    if (this.failure) return;
    this.failure = error;
    this.initCheck.reject(error);
    this.events.emit({ kind: 'error', text: `${error.code}: ${error.message}` });
    void this.proc.stop();
  }

  private onMessage(msg: Json): void {
    if (this.failure || typeof msg !== 'object' || msg === null) return;
    switch (msg.type) {
      case 'system':
        if (msg.subtype === 'init') this.onInit(String(msg.session_id ?? ''));
        else if (msg.subtype === 'api_retry') {
          this.notes.retries++;
          this.events.emit({ kind: 'retry', ...retryNotice(msg) });
        }
        return;
      case 'assistant':
        if (typeof msg.error === 'string') {
          // The CLI's own stand-in for an answer ("Not logged in · Please run /login", "API Error: …"): it says
          // why the turn failed, which the turn's end reports once, typed; it is not the agent speaking.
          const text = (Array.isArray(msg.message?.content) ? msg.message.content : []).filter((b: Json) => b?.type === 'text').map((b: Json) => String(b.text ?? '')).join(' ');
          this.notes.synthetic = { error: msg.error, text };
          return;
        }
        for (const block of Array.isArray(msg.message?.content) ? msg.message.content : []) {
          if (block?.type === 'text' && typeof block.text === 'string' && block.text.length > 0) this.events.emit({ kind: 'text', text: block.text });
          else if (block?.type === 'tool_use') for (const e of this.tools.toolUse(block)) this.events.emit(e);
        }
        return;
      case 'user':
        // Tool results come back as user lines, with the CLI's structured result beside them (`tool_use_result`).
        for (const block of Array.isArray(msg.message?.content) ? msg.message.content : []) {
          if (block?.type === 'tool_result') for (const e of this.tools.toolResult(block, msg.tool_use_result)) this.events.emit(e);
        }
        return;
      case 'result':
        return this.onResult(msg);
      case 'control_request':
        return this.onControlRequest(msg);
      case 'control_response': {
        const id = msg.response?.request_id;
        const resolve = typeof id === 'string' ? this.pendingControl.get(id) : undefined;
        if (resolve) {
          this.pendingControl.delete(id);
          resolve(msg.response);
        }
        return;
      }
      default:
        return; // stream events, hooks: nothing for the phone
    }
  }

  private onInit(sessionId: string): void {
    if (sessionId !== this.vendorId) {
      this.fail(new DriverError('vendor-id-mismatch', `claude answered as session ${sessionId}, not ${this.vendorId}; that would be a different session id, so Baton stopped it`));
      const onFork = this.o.onFork;
      if (onFork && sessionId) void this.proc.exited.then(() => onFork(sessionId));
      return;
    }
    this.initVerified = true;
    this.initCheck.resolve();
    // Claude writes the transcript when the turn starts: from now on the session can be resumed, even if
    // this turn never ends (offline retries, a crash, a stop).
    void this.watchPersisted();
  }

  private onResult(msg: Json): void {
    if (!this.initVerified && msg.is_error === true) {
      // Before any turn: the CLI refused to load the session (e.g. "No conversation found").
      this.earlyResult = msg;
      for (const w of this.earlyResultWaiters) w(msg);
      this.earlyResultWaiters.clear();
      return;
    }
    const failure = turnFailure(msg, this.notes);
    this.notes = freshNotes();
    this.tools.turnEnded();
    this.events.emit(failure ? { kind: 'turn-end', failure } : { kind: 'turn-end' });
    void this.watchPersisted();
  }

  private checkPersisted(): boolean {
    if (!this.persistedSent && this.o.isPersisted()) {
      this.persistedSent = true;
      this.events.emit({ kind: 'persisted' });
    }
    return this.persistedSent;
  }

  /** Polls for the transcript a while after a turn started or ended (Claude flushes it asynchronously). */
  private async watchPersisted(): Promise<void> {
    if (this.watchingPersisted) return;
    this.watchingPersisted = true;
    try {
      for (let i = 0; i < 50 && !this.events.isEnded; i++) {
        if (this.checkPersisted()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      this.watchingPersisted = false;
    }
  }

  private onControlRequest(msg: Json): void {
    const requestId = String(msg.request_id ?? '');
    if (msg.request?.subtype === 'can_use_tool') {
      const permissionId = PERMISSION_ID_RE.test(requestId) ? requestId : randomUUID();
      const r = msg.request as Json;
      const suggestions = Array.isArray(r.permission_suggestions) ? r.permission_suggestions : [];
      this.permissions.set(permissionId, { requestId, input: r.input, suggestions });
      // The whole input, exactly as Claude will use it: what the phone shows is what Allow approves.
      const input = inputText(r.input ?? {});
      const tool = String(r.tool_name ?? 'tool').slice(0, 200);
      const title = typeof r.display_name === 'string' && r.display_name !== tool ? r.display_name.slice(0, 2_000) : undefined;
      this.events.emit({
        kind: 'permission-request', permissionId: asPermissionId(permissionId), tool, input: input.text,
        ...(input.truncated ? { inputTruncated: true } : {}),
        ...(title ? { title } : {}),
        ...(typeof r.description === 'string' && r.description ? { description: r.description.slice(0, 4_000) } : {}),
        ...(suggestions.length > 0 ? { sessionScope: true, sessionScopeDetail: describeSuggestions(suggestions) } : {}),
        ...(typeof r.tool_use_id === 'string' && r.tool_use_id ? { callId: r.tool_use_id.slice(0, 200) } : {}),
      });
      return;
    }
    void this.proc.write({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error: `Baton does not handle ${String(msg.request?.subtype)}` } }).catch(() => {});
  }
}

/** Claude's permission suggestions in words: the rules it would add and the mode it would switch to. */
export function describeSuggestions(suggestions: readonly unknown[]): string {
  const parts: string[] = [];
  for (const x of suggestions as Json[]) {
    if (x?.type === 'addRules' && Array.isArray(x.rules)) for (const r of x.rules as Json[]) parts.push(r.ruleContent ? `${String(r.toolName)}(${String(r.ruleContent)})` : String(r.toolName));
    else if (x?.type === 'setMode' && typeof x.mode === 'string') parts.push(`${x.mode} mode`);
    else if (x?.type === 'addDirectories' && Array.isArray(x.directories)) parts.push(`access to ${x.directories.join(', ')}`);
  }
  return parts.join(', ').slice(0, 2_000) || 'what Claude suggests';
}
