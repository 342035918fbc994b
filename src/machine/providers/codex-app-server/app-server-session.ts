// One running `codex app-server` bound to one thread: JSON-RPC v2 in, driver events out, approvals round-tripped.
import type { AgentHandle, DriverEvent } from '../backend.ts';
import { asVendorId, codexMode, inputText, type VendorId } from '../../../core/index.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { JsonRpcPeer, RpcError } from '../shared/json-rpc.ts';
import { permissionIds } from '../shared/permission-ids.ts';
import { withTimeout } from '../shared/with-timeout.ts';
import { codexRetry, codexTurnFailure } from './turn-outcome.ts';
import { changesInput, createItemTracker, PROGRESS_EVERY_MS } from './item-events.ts';

type Json = Record<string, any>;
type RpcId = number | string;

interface PendingApproval {
  readonly rpcId: RpcId;
  /** v2 answers `accept`/`decline`; the legacy v1 requests answer `approved`/`denied`. */
  readonly legacy: boolean;
}

export class AppServerSession implements AgentHandle {
  readonly pid: number | null;
  readonly rpc: JsonRpcPeer;
  private readonly events = new EventStream();
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly permissionId = permissionIds('codex');
  private threadId: VendorId | null = null;
  private activeTurnId: string | null = null;
  /** The last turn Codex announced with `turn/started`, and who waits for the next announcement. */
  private startedTurn: string | null = null;
  private readonly turnStartWaiters = new Set<() => void>();
  private persistedSent = false;
  private watchingPersisted = false;
  private stopping = false;
  /** `error` notifications with `willRetry` in the running turn (Codex retrying its model call). */
  private retries = 0;
  /** Final `error`s of turns not yet completed, by turn id. */
  private readonly heldErrors = new Map<string, string>();
  private lastRetryAttempt = 0;
  /** The session's permission mode, sent with each turn (a change applies from the next one). */
  private mode: string | null = null;
  private readonly items = createItemTracker(
    (fn) => void setTimeout(fn, PROGRESS_EVERY_MS).unref?.(),
    (events) => events.forEach((e) => this.events.emit(e)),
  );

  constructor(
    private readonly proc: AgentProcess,
    private readonly timeoutMs: number,
    private readonly isPersisted: (threadId: string) => boolean,
  ) {
    this.pid = proc.pid;
    this.rpc = new JsonRpcPeer(proc, { withVersionField: false });
    this.rpc.onNotification((method, params) => this.onNotification(method, params));
    this.rpc.onRequest((id, method, params) => this.onServerRequest(id, method, params));
    void proc.exited.then((exit) => {
      // A turn that never finished (crash, stop) still left the rollout Codex wrote at its start.
      this.checkPersisted();
      for (const text of this.heldErrors.values()) this.events.emit({ kind: 'error', text });
      this.heldErrors.clear();
      this.events.emit({ kind: 'exit', code: exit.code, signal: exit.signal, detail: this.stopping ? null : proc.describeExit(exit) });
    });
  }

  get vendorId(): VendorId {
    if (this.threadId === null) throw new Error('the thread is not open yet');
    return this.threadId;
  }

  /** Binds the handle to its thread once thread/start or a verified thread/resume gave it. */
  bind(threadId: string, alreadyPersisted: boolean): void {
    this.threadId = asVendorId(threadId);
    this.persistedSent = alreadyPersisted;
  }

  async initialize(): Promise<void> {
    await this.rpc.request('initialize', { clientInfo: { name: 'baton', title: 'Baton', version: '0.1.0' } });
    await this.rpc.notify('initialized');
  }

  /** The mode to start or resume the thread with, and to send with every turn. */
  useMode(mode: string | null | undefined): void {
    this.mode = mode ?? null;
  }

  /** `thread/start` / `thread/resume` fields for the mode (none: Codex's defaults). */
  threadModeParams(): Json {
    if (this.mode === null) return {};
    const m = codexMode(this.mode);
    return { approvalPolicy: m.approvalPolicy, sandbox: m.sandbox };
  }

  async setPermissionMode(mode: string): Promise<void> {
    this.mode = mode;
  }

  async send(text: string): Promise<void> {
    // `text_elements` is required by the v2 schema (0.169.0 still accepts it missing; send it anyway).
    const result = await this.rpc.request<Json>('turn/start', { threadId: this.vendorId, input: [{ type: 'text', text, text_elements: [] }], ...this.turnModeParams() });
    if (typeof result?.turn?.id === 'string') this.activeTurnId = result.turn.id;
    // Codex writes the rollout as the turn starts: the thread can be resumed from now on, even if this turn never ends.
    void this.watchPersisted();
  }

  /** `turn/start` overrides for the mode: Codex wants the sandbox there as a policy object. */
  private turnModeParams(): Json {
    if (this.mode === null) return {};
    const m = codexMode(this.mode);
    const sandboxPolicy = m.sandbox === 'danger-full-access' ? { type: 'dangerFullAccess' }
      : m.sandbox === 'workspace-write' ? { type: 'workspaceWrite', writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false }
      : { type: 'readOnly', networkAccess: false };
    return { approvalPolicy: m.approvalPolicy, sandboxPolicy };
  }

  async answerPermission(permissionId: string, decision: 'allow' | 'deny', scope: 'once' | 'session' = 'once'): Promise<void> {
    const pending = this.approvals.get(permissionId);
    if (!pending) throw new Error(`no pending permission request ${permissionId}`);
    this.approvals.delete(permissionId);
    // "For this session": Codex stops asking about the same command (or these files) until the thread ends.
    const session = scope === 'session' && decision === 'allow';
    const answer = pending.legacy
      ? (decision === 'allow' ? (session ? 'approved_for_session' : 'approved') : 'denied')
      : decision === 'allow' ? (session ? 'acceptForSession' : 'accept') : 'decline';
    await this.rpc.respond(pending.rpcId, { decision: answer });
  }

  async interrupt(): Promise<void> {
    const turnId = this.activeTurnId;
    if (turnId === null) return;
    // Codex 0.171 answers "no active turn to interrupt" until it has announced the turn (`turn/started`).
    if (this.startedTurn !== turnId) await withTimeout(new Promise<void>((r) => this.turnStartWaiters.add(r)), this.timeoutMs);
    if (this.activeTurnId !== turnId) return; // it ended meanwhile
    try {
      await withTimeout(this.rpc.request('turn/interrupt', { threadId: this.vendorId, turnId }), this.timeoutMs);
    } catch (e) {
      // Ended between our check and Codex's: nothing left to interrupt.
      if (!(e instanceof RpcError && /no active turn/i.test(e.message))) throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc.stop();
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  private forUs(params: Json): boolean {
    return this.threadId !== null && (params.threadId === undefined || params.threadId === this.threadId);
  }

  private onNotification(method: string, params: Json): void {
    if (!this.forUs(params)) return;
    switch (method) {
      case 'item/started':
      case 'item/completed':
      case 'item/commandExecution/outputDelta':
      case 'item/fileChange/patchUpdated':
      case 'item/agentMessage/delta':
      case 'turn/plan/updated':
        for (const e of this.items.notify(method, params)) this.events.emit(e);
        return;
      case 'turn/started':
        this.retries = 0;
        this.lastRetryAttempt = 0;
        if (typeof params.turn?.id === 'string') this.startedTurn = params.turn.id;
        this.wakeTurnStartWaiters();
        void this.watchPersisted();
        return;
      case 'turn/completed': {
        const turn = params.turn ?? {};
        if (turn.id === this.activeTurnId) this.activeTurnId = null;
        this.wakeTurnStartWaiters();
        const failure = codexTurnFailure(turn, this.retries);
        this.retries = 0;
        const held = typeof turn.id === 'string' ? this.heldErrors.get(turn.id) : undefined;
        if (typeof turn.id === 'string') this.heldErrors.delete(turn.id);
        if (held !== undefined && failure === null) this.events.emit({ kind: 'error', text: held });
        this.events.emit(failure ? { kind: 'turn-end', failure } : { kind: 'turn-end' });
        void this.watchPersisted();
        return;
      }
      case 'error':
        if (params.willRetry === true) {
          // Codex is retrying (offline: "Reconnecting... 2/5", then "waiting for network" without end): the phone shows it.
          this.retries++;
          const notice = codexRetry(params.error ?? {}, this.lastRetryAttempt);
          this.lastRetryAttempt = notice.attempt;
          this.events.emit({ kind: 'retry', ...notice });
          return;
        }
        {
          const text = String(params.error?.message ?? params.message ?? 'codex reported an error').slice(0, 4000);
          // A turn's final error comes again with the turn's end, which reports it once, typed: hold it until then
          // (it can arrive before turn/start's answer told us the turn's id).
          if (typeof params.turnId === 'string') this.heldErrors.set(params.turnId, text);
          else this.events.emit({ kind: 'error', text });
        }
        return;
      default:
        return;
    }
  }

  private onServerRequest(id: RpcId, method: string, params: Json): void {
    const permissionId = this.permissionId(id);
    // The whole of what is approved (the command and where it runs; the file changes), never a summary of it.
    const ask = (tool: string, input: unknown, legacy: boolean) => {
      this.approvals.set(permissionId, { rpcId: id, legacy });
      const text = inputText(input);
      const reason = typeof params.reason === 'string' && params.reason ? params.reason : undefined;
      this.events.emit({
        kind: 'permission-request', permissionId, tool, input: text.text, ...(text.truncated ? { inputTruncated: true } : {}),
        ...(reason ? { description: reason.slice(0, 4_000) } : {}), sessionScope: true,
        sessionScopeDetail: tool === 'Bash' ? 'this same command, until the session ends' : 'changes to these files, until the session ends',
        ...(typeof params.itemId === 'string' && params.itemId ? { callId: params.itemId.slice(0, 200) } : {}),
      });
    };
    switch (method) {
      case 'item/commandExecution/requestApproval':
        return ask('Bash', { command: params.command ?? '', cwd: params.cwd ?? null }, false);
      case 'item/fileChange/requestApproval':
        // The request names only the item; its changes came with the item's start.
        return ask('Edit', changesInput(this.items.changesOf(String(params.itemId ?? '')) ?? []), false);
      case 'execCommandApproval':
        return ask('Bash', { command: Array.isArray(params.command) ? params.command.join(' ') : String(params.command ?? ''), cwd: params.cwd ?? null }, true);
      case 'applyPatchApproval':
        return ask('Edit', { changes: Object.entries(params.fileChanges ?? {}).map(([path, c]) => ({ path, ...(c as object) })) }, true);
      default:
        void this.rpc.respondError(id, -32601, `Baton does not handle ${method}`).catch(() => {});
    }
  }

  private wakeTurnStartWaiters(): void {
    for (const w of this.turnStartWaiters) w();
    this.turnStartWaiters.clear();
  }

  private checkPersisted(): boolean {
    if (!this.persistedSent && this.threadId !== null && this.isPersisted(this.threadId)) {
      this.persistedSent = true;
      this.events.emit({ kind: 'persisted' });
    }
    return this.persistedSent;
  }

  /** Polls for the rollout a while after a turn started or ended. */
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
}
