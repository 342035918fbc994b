// One running `codex mcp-server`: each message is an MCP tool call (`codex` first, then `codex-reply`); events come as codex/event.
import { randomUUID } from 'node:crypto';
import type { AgentHandle, DriverEvent } from '../backend.ts';
import { asVendorId, type VendorId } from '../../../core/index.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { JsonRpcPeer } from '../shared/json-rpc.ts';
import { permissionIds } from '../shared/permission-ids.ts';
import { summarizeToolInput } from '../shared/tool-input.ts';

type Json = Record<string, any>;
const VENDOR_ID_RE = /^[A-Za-z0-9_.:-]{1,256}$/;
type RpcId = number | string;

export class McpSession implements AgentHandle {
  /**
   * Codex names its conversation only inside the first tool call, and this backend can never resume it,
   * so the handle carries a local id instead (prefixed so nobody mistakes it for a Codex thread id).
   */
  readonly vendorId: VendorId = asVendorId(`codex-mcp-${randomUUID()}`);
  readonly pid: number | null;
  readonly rpc: JsonRpcPeer;
  private readonly events = new EventStream();
  private readonly approvals = new Map<string, RpcId>();
  private readonly permissionId = permissionIds('codex-mcp');
  private conversationId: string | null = null;
  private conversationKnown: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly proc: AgentProcess, private readonly cwd: string) {
    this.pid = proc.pid;
    this.rpc = new JsonRpcPeer(proc, { withVersionField: true });
    this.rpc.onNotification((method, params) => {
      if (method === 'codex/event') this.onCodexEvent(params.msg ?? {});
    });
    this.rpc.onRequest((id, method, params) => this.onServerRequest(id, method, params));
    void proc.exited.then((exit) => {
      this.events.emit({ kind: 'exit', code: exit.code, signal: exit.signal, detail: this.stopping ? null : proc.describeExit(exit) });
    });
  }

  async initialize(): Promise<void> {
    await this.rpc.request('initialize', { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'baton', version: '0.1.0' } });
    await this.rpc.notify('notifications/initialized');
  }

  async send(text: string): Promise<void> {
    // A reply needs the conversation id, which the first call announces; wait for it, not for the whole turn.
    await this.conversationKnown;
    let call;
    if (this.conversationId === null) {
      let known!: () => void;
      this.conversationKnown = new Promise<void>((resolve) => (known = resolve));
      call = this.rpc.call<Json>('tools/call', { name: 'codex', arguments: { prompt: text, cwd: this.cwd } });
      call.result.finally(known).catch(() => {});
    } else {
      const id = this.conversationId;
      call = this.rpc.call<Json>('tools/call', { name: 'codex-reply', arguments: { threadId: id, conversationId: id, prompt: text } });
    }
    call.result.then(
      (result) => {
        if (result?.isError) this.events.emit({ kind: 'error', text: toolText(result) || 'codex reported an error' });
        const structuredId = result?.structuredContent?.threadId;
        if (this.conversationId === null && typeof structuredId === 'string') this.learnConversation(structuredId);
        this.events.emit({ kind: 'turn-end' });
      },
      (err: Error) => {
        if (this.proc.running) {
          this.events.emit({ kind: 'error', text: err.message.slice(0, 4000) });
          this.events.emit({ kind: 'turn-end' });
        }
      },
    );
    await call.written;
  }

  async answerPermission(permissionId: string, decision: 'allow' | 'deny'): Promise<void> {
    const rpcId = this.approvals.get(permissionId);
    if (rpcId === undefined) throw new Error(`no pending permission request ${permissionId}`);
    this.approvals.delete(permissionId);
    await this.rpc.respond(rpcId, { decision: decision === 'allow' ? 'approved' : 'denied' });
  }

  async interrupt(): Promise<void> {
    // MCP has no turn interrupt; cancelling the whole call is all Codex's MCP server offers.
    await this.rpc.notify('notifications/cancelled', { requestId: null, reason: 'interrupted from Baton' }).catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc.stop();
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  private learnConversation(id: string): void {
    if (this.conversationId === id) return;
    this.conversationId = id;
    // Its rollout is listed by the codex store under this id: the daemon must know it is ours (else it is listed twice).
    if (VENDOR_ID_RE.test(id)) this.events.emit({ kind: 'alias', vendorId: asVendorId(id) });
  }

  private onCodexEvent(msg: Json): void {
    switch (msg.type) {
      case 'session_configured':
        if (typeof msg.session_id === 'string') this.learnConversation(msg.session_id);
        return;
      case 'agent_message':
        if (typeof msg.message === 'string' && msg.message.length > 0) this.events.emit({ kind: 'text', text: msg.message });
        return;
      case 'mcp_tool_call_begin':
        this.events.emit({ kind: 'tool', tool: String(msg.invocation?.tool ?? 'tool').slice(0, 200), input: summarizeToolInput(msg.invocation?.arguments) });
        return;
      case 'exec_command_begin':
        this.events.emit({ kind: 'tool', tool: 'Bash', input: summarizeToolInput(msg.command) });
        return;
      case 'patch_apply_begin':
        this.events.emit({ kind: 'tool', tool: 'Edit', input: Object.keys(msg.changes ?? {}).join(', ') });
        return;
      case 'error':
        this.events.emit({ kind: 'error', text: String(msg.message ?? 'codex reported an error').slice(0, 4000) });
        return;
      default:
        return;
    }
  }

  private onServerRequest(id: RpcId, method: string, params: Json): void {
    if (method === 'elicitation/create' && (params.codex_elicitation === 'exec-approval' || params.codex_elicitation === 'patch-approval')) {
      const permissionId = this.permissionId(id);
      this.approvals.set(permissionId, id);
      const exec = params.codex_elicitation === 'exec-approval';
      const input = exec ? summarizeToolInput(params.codex_command ?? '') : String(params.message ?? 'apply a patch');
      this.events.emit({ kind: 'permission-request', permissionId, tool: exec ? 'Bash' : 'Edit', input: input.slice(0, 4000) });
      return;
    }
    if (method === 'ping') {
      void this.rpc.respond(id, {}).catch(() => {});
      return;
    }
    void this.rpc.respondError(id, -32601, `Baton does not handle ${method}`).catch(() => {});
  }
}

function toolText(result: Json): string {
  return (Array.isArray(result?.content) ? result.content : []).filter((c: Json) => c?.type === 'text').map((c: Json) => String(c.text)).join('\n');
}
