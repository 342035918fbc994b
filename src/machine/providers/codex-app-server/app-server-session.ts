// One running `codex app-server` bound to one thread: JSON-RPC v2 in, driver events out, approvals round-tripped.
import type { AgentHandle, DriverEvent } from '../backend.ts';
import { asVendorId, type VendorId } from '../../../core/index.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { JsonRpcPeer } from '../shared/json-rpc.ts';
import { permissionIds } from '../shared/permission-ids.ts';
import { summarizeToolInput } from '../shared/tool-input.ts';
import { withTimeout } from '../shared/with-timeout.ts';

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
  private persistedSent = false;
  private stopping = false;

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

  async send(text: string): Promise<void> {
    // `text_elements` is required by the v2 schema (0.169.0 still accepts it missing; send it anyway).
    const result = await this.rpc.request<Json>('turn/start', { threadId: this.vendorId, input: [{ type: 'text', text, text_elements: [] }] });
    if (typeof result?.turn?.id === 'string') this.activeTurnId = result.turn.id;
  }

  async answerPermission(permissionId: string, decision: 'allow' | 'deny'): Promise<void> {
    const pending = this.approvals.get(permissionId);
    if (!pending) throw new Error(`no pending permission request ${permissionId}`);
    this.approvals.delete(permissionId);
    const answer = pending.legacy ? (decision === 'allow' ? 'approved' : 'denied') : decision === 'allow' ? 'accept' : 'decline';
    await this.rpc.respond(pending.rpcId, { decision: answer });
  }

  async interrupt(): Promise<void> {
    if (this.activeTurnId === null) return;
    await withTimeout(this.rpc.request('turn/interrupt', { threadId: this.vendorId, turnId: this.activeTurnId }), this.timeoutMs);
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
      case 'item/started': {
        const tool = toolOf(params.item);
        if (tool) this.events.emit({ kind: 'tool', ...tool });
        return;
      }
      case 'item/completed':
        if (params.item?.type === 'agentMessage' && typeof params.item.text === 'string' && params.item.text.length > 0) {
          this.events.emit({ kind: 'text', text: params.item.text });
        }
        return;
      case 'turn/completed': {
        const turn = params.turn ?? {};
        if (turn.status === 'failed') this.events.emit({ kind: 'error', text: String(turn.error?.message ?? 'the turn failed').slice(0, 4000) });
        if (turn.id === this.activeTurnId) this.activeTurnId = null;
        this.events.emit({ kind: 'turn-end' });
        void this.watchPersisted();
        return;
      }
      case 'error':
        // `willRetry: true` is a transient failure Codex is already retrying; only a final one is the user's business.
        if (params.willRetry === true) return;
        this.events.emit({ kind: 'error', text: String(params.error?.message ?? params.message ?? 'codex reported an error').slice(0, 4000) });
        return;
      default:
        return;
    }
  }

  private onServerRequest(id: RpcId, method: string, params: Json): void {
    const permissionId = this.permissionId(id);
    const ask = (tool: string, input: string, legacy: boolean) => {
      this.approvals.set(permissionId, { rpcId: id, legacy });
      this.events.emit({ kind: 'permission-request', permissionId, tool, input: input.slice(0, 4000) });
    };
    switch (method) {
      case 'item/commandExecution/requestApproval':
        return ask('Bash', summarizeToolInput(params.command ?? params.reason ?? ''), false);
      case 'item/fileChange/requestApproval':
        return ask('Edit', String(params.reason ?? 'apply file changes'), false);
      case 'execCommandApproval':
        return ask('Bash', summarizeToolInput(params.command ?? ''), true);
      case 'applyPatchApproval':
        return ask('Edit', Object.keys(params.fileChanges ?? {}).join(', ') || 'apply a patch', true);
      default:
        void this.rpc.respondError(id, -32601, `Baton does not handle ${method}`).catch(() => {});
    }
  }

  private async watchPersisted(): Promise<void> {
    for (let i = 0; i < 20 && !this.persistedSent && !this.events.isEnded && this.threadId; i++) {
      if (this.isPersisted(this.threadId)) {
        this.persistedSent = true;
        this.events.emit({ kind: 'persisted' });
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The tool an item stands for, as the phone shows it. */
function toolOf(item: Json | undefined): { tool: string; input: string } | null {
  switch (item?.type) {
    case 'commandExecution':
      return { tool: 'Bash', input: summarizeToolInput(item.command) };
    case 'mcpToolCall':
      return { tool: String(item.tool ?? 'tool').slice(0, 200), input: summarizeToolInput(item.arguments) };
    case 'fileChange':
      return { tool: 'Edit', input: (item.changes ?? []).map((c: Json) => c.path).filter(Boolean).join(', ') };
    case 'webSearch':
      return { tool: 'WebSearch', input: String(item.query ?? '') };
    default:
      return null;
  }
}
