// The fake `codex mcp-server`: MCP over stdio (JSON-RPC 2.0) with tools `codex` (new session) and `codex-reply`.
import { randomUUID } from 'node:crypto';
import { record } from './record.mjs';
import { faults, handshakeDelay } from './faults.mjs';
import { readJsonLines, writeJson, exitAfterFlush } from './stdio.mjs';
import { TURN_TOOL, PERMISSION_TOOL, replyText, permissionReply } from './turn.mjs';
import { CODEX_VERSION, appendTurn, findRollout, newThreadId } from './codex-store.mjs';

const TOOLS = [
  {
    name: 'codex',
    description: 'Run a Codex session. Accepts configuration parameters matching the Codex Config struct.',
    inputSchema: { type: 'object', properties: { prompt: { type: 'string' }, cwd: { type: 'string' }, 'approval-policy': { type: 'string' }, sandbox: { type: 'string' }, model: { type: 'string' } }, required: ['prompt'] },
  },
  {
    name: 'codex-reply',
    description: 'Continue a Codex conversation by providing the conversation id and prompt.',
    inputSchema: { type: 'object', properties: { conversationId: { type: 'string' }, threadId: { type: 'string' }, prompt: { type: 'string' } }, required: ['prompt'] },
  },
];

export async function runMcpServer() {
  let initialized = false;
  let nextServerRequest = 0;
  const pending = new Map();
  const sessions = new Map(); // id → { cwd }
  let chain = Promise.resolve();
  let inbox = Promise.resolve();

  const send = (msg) => writeJson({ jsonrpc: '2.0', ...msg });
  const event = (requestId, msg) => send({ method: 'codex/event', params: { _meta: { requestId }, id: '', msg } });
  const elicit = (params) => new Promise((resolve) => {
    const id = nextServerRequest++;
    pending.set(id, resolve);
    send({ id, method: 'elicitation/create', params });
  });

  async function turn(requestId, sessionId, text) {
    const { cwd } = sessions.get(sessionId);
    const items = [];
    const say = (message) => {
      event(requestId, { type: 'agent_message', message });
      items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: message }] });
    };
    event(requestId, { type: 'task_started' });
    if (faults().has('permission')) {
      const callId = `call_${randomUUID().slice(0, 8)}`;
      const answer = await elicit({
        message: `Allow Codex to run \`${PERMISSION_TOOL.input}\` in ${cwd}?`, requestedSchema: { type: 'object', properties: {} },
        codex_elicitation: 'exec-approval', codex_mcp_tool_call_id: String(requestId), codex_event_id: callId, codex_call_id: callId,
        codex_command: [PERMISSION_TOOL.input], codex_cwd: cwd,
      });
      const allowed = answer?.decision === 'approved' || answer?.decision === 'approved_for_session';
      say(permissionReply(allowed));
    }
    const callId = `call_${randomUUID().slice(0, 8)}`;
    event(requestId, { type: 'mcp_tool_call_begin', call_id: callId, invocation: { server: 'fake', tool: TURN_TOOL.tool, arguments: { path: TURN_TOOL.input } } });
    event(requestId, { type: 'mcp_tool_call_end', call_id: callId, invocation: { server: 'fake', tool: TURN_TOOL.tool, arguments: { path: TURN_TOOL.input } }, result: { Ok: { content: [] } } });
    const answer = replyText(text);
    say(answer);
    appendTurn(sessionId, cwd, text, items);
    event(requestId, { type: 'task_complete', last_agent_message: answer });
    return answer;
  }

  async function callTool(id, params) {
    const name = params?.name;
    const a = params?.arguments ?? {};
    if (typeof a.prompt !== 'string') return send({ id, error: { code: -32602, message: 'missing field `prompt`' } });
    if (faults().has('crash-on-turn')) {
      process.stderr.write('fake codex: crashed on a user message (crash-on-turn)\n');
      process.exit(1);
    }
    let sessionId;
    if (name === 'codex') {
      sessionId = newThreadId();
      const cwd = typeof a.cwd === 'string' ? a.cwd : process.cwd();
      sessions.set(sessionId, { cwd });
      record('codex', 'created', sessionId, cwd, { via: 'mcp-server' });
      event(id, { type: 'session_configured', session_id: sessionId, model: 'gpt-5-codex', history_log_id: 0, history_entry_count: 0, rollout_path: findRollout(sessionId) });
    } else if (name === 'codex-reply') {
      sessionId = a.threadId ?? a.conversationId;
      if (!sessions.has(sessionId)) {
        return send({ id, result: { content: [{ type: 'text', text: `Session not found for conversation_id: ${sessionId}` }], isError: true } });
      }
    } else {
      return send({ id, error: { code: -32602, message: `Unknown tool '${name}'` } });
    }
    const text = await turn(id, sessionId, a.prompt);
    send({ id, result: { content: [{ type: 'text', text }], structuredContent: { threadId: sessionId, content: text } } });
  }

  async function onRequest(msg) {
    const { id, method, params } = msg;
    if (method === 'initialize') {
      await handshakeDelay();
      initialized = true;
      return send({ id, result: { protocolVersion: params?.protocolVersion ?? '2025-06-18', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'codex-mcp-server', title: 'Codex', version: CODEX_VERSION } } });
    }
    if (!initialized) return send({ id, error: { code: -32600, message: 'Server not initialized' } });
    if (method === 'tools/list') return send({ id, result: { tools: TOOLS } });
    if (method === 'tools/call') {
      chain = chain.then(() => callTool(id, params));
      return;
    }
    if (method === 'ping') return send({ id, result: {} });
    return send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
  }

  readJsonLines((msg) => {
    if (msg.method !== undefined && msg.id !== undefined) inbox = inbox.then(() => onRequest(msg)); // in order, like the real server
    else if (msg.method === undefined && msg.id !== undefined) {
      const resolve = pending.get(msg.id);
      if (resolve) {
        pending.delete(msg.id);
        resolve(msg.result ?? null);
      }
    }
  }, { onEnd: () => chain.then(() => exitAfterFlush(0)) });
}
