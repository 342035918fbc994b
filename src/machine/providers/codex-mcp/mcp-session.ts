// One running `codex mcp-server`: each message is an MCP tool call (`codex` first, then `codex-reply`); events come as codex/event.
import { randomUUID } from 'node:crypto';
import type { AgentHandle, DriverEvent } from '../backend.ts';
import { asVendorId, inputText, toolResult, type VendorId } from '../../../core/index.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { EventStream } from '../shared/event-stream.ts';
import { JsonRpcPeer } from '../shared/json-rpc.ts';
import { permissionIds } from '../shared/permission-ids.ts';

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
      // The legacy `codex/event` stream (0.148): begin/end pairs by `call_id`.
      case 'mcp_tool_call_begin':
      case 'mcp_tool_call_end': {
        const end = msg.type === 'mcp_tool_call_end';
        const ok = msg.result?.Ok;
        this.tool(msg.call_id, String(msg.invocation?.tool ?? 'tool'), msg.invocation?.arguments ?? {}, end ? (ok ? 'done' : 'failed') : 'running',
          end ? toolResult(ok ? toolText(ok) : String(msg.result?.Err ?? '')) : null);
        return;
      }
      case 'exec_command_begin':
      case 'exec_command_end': {
        const end = msg.type === 'exec_command_end';
        const command = Array.isArray(msg.command) ? msg.command.join(' ') : String(msg.command ?? '');
        const exit = typeof msg.exit_code === 'number' ? msg.exit_code : null;
        const out = [msg.stdout, msg.stderr].filter((x) => typeof x === 'string' && x).join('\n') || String(msg.aggregated_output ?? '');
        // An end without its begin (it never happened in the stream) has no command to show: skip it.
        if (end && !this.commands.has(String(msg.call_id))) return;
        if (!end) this.commands.set(String(msg.call_id), command);
        this.tool(msg.call_id, 'Bash', { command: end ? this.commands.get(String(msg.call_id)) : command, cwd: msg.cwd ?? null }, end ? (exit === 0 ? 'done' : 'failed') : 'running', end ? toolResult(out, exit) : null);
        return;
      }
      case 'patch_apply_begin':
        this.tool(msg.call_id, 'Edit', { changes: Object.keys(msg.changes ?? {}) }, 'running', null);
        return;
      case 'error':
        this.events.emit({ kind: 'error', text: String(msg.message ?? 'codex reported an error').slice(0, 4000) });
        return;
      default:
        return;
    }
  }

  private readonly commands = new Map<string, string>();

  private tool(callId: unknown, tool: string, input: unknown, status: 'running' | 'done' | 'failed', result: ReturnType<typeof toolResult> | null): void {
    const id = typeof callId === 'string' && callId ? callId : `call-${++this.calls}`;
    this.events.emit({ kind: 'tool-call', callId: id.slice(0, 200), tool: tool.slice(0, 200), title: null, input: inputText(input).text, status, result, changes: [] });
  }

  private calls = 0;

  private onServerRequest(id: RpcId, method: string, params: Json): void {
    if (method === 'elicitation/create' && (params.codex_elicitation === 'exec-approval' || params.codex_elicitation === 'patch-approval')) {
      const permissionId = this.permissionId(id);
      this.approvals.set(permissionId, id);
      const exec = params.codex_elicitation === 'exec-approval';
      // All of what is approved: the command and its folder, or the patch's changes as Codex states them.
      const input = inputText(exec
        ? { command: Array.isArray(params.codex_command) ? params.codex_command.join(' ') : String(params.codex_command ?? ''), cwd: params.codex_cwd ?? null }
        : { changes: params.codex_changes ?? null, message: params.message ?? null });
      this.events.emit({
        kind: 'permission-request', permissionId, tool: exec ? 'Bash' : 'Edit', input: input.text, ...(input.truncated ? { inputTruncated: true } : {}),
        ...(typeof params.message === 'string' && params.message ? { description: params.message.slice(0, 4_000) } : {}),
      });
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
