// Fake `gemini` CLI: `gemini --acp` speaks the Agent Client Protocol (JSON-RPC 2.0, one JSON per line on stdio) with fault switches.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { record } from './lib/record.mjs';
import { PERMISSION_TOOL, TURN_TOOL, permissionReply, replyText } from './lib/turn.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';
import { exitAfterFlush, readJsonLines, writeJson } from './lib/stdio.mjs';

const VERSION = '0.21.0';
// Old releases only know `--experimental-acp`; BATON_FAKE_GEMINI_LEGACY=1 makes the fake one of those.
const legacy = process.env.BATON_FAKE_GEMINI_LEGACY === '1';
const acpFlag = legacy ? '--experimental-acp' : '--acp';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: gemini [options]\n\nOptions:\n  ${acpFlag.padEnd(20)}Starts the agent in ACP mode\n  -v, --version       Show version number\n`);
  process.exit(0);
}
if (!args.includes(acpFlag)) {
  process.stderr.write(`Unknown argument: ${args.find((a) => a.startsWith('-')) ?? '(none)'}\n(fake gemini implements only ${acpFlag}, --version, --help)\n`);
  process.exit(1);
}

// ── chat store: ~/.gemini/tmp/<sha256(project root)>/chats/session-<time>-<id8>.json, with .project_root beside chats/
const projectHash = (cwd) => createHash('sha256').update(cwd).digest('hex');
const projectDir = (cwd) => join(homedir(), '.gemini', 'tmp', projectHash(cwd));
function findChat(cwd, sessionId) {
  const chats = join(projectDir(cwd), 'chats');
  let files = [];
  try { files = readdirSync(chats); } catch { return null; }
  for (const f of files.filter((f) => f.startsWith('session-') && f.endsWith(`-${sessionId.slice(0, 8)}.json`))) {
    try {
      const data = JSON.parse(readFileSync(join(chats, f), 'utf8'));
      if (data.sessionId === sessionId) return { path: join(chats, f), data };
    } catch { /* unreadable: not this one */ }
  }
  return null;
}
function saveChat(session) {
  const dir = projectDir(session.cwd);
  mkdirSync(join(dir, 'chats'), { recursive: true });
  writeFileSync(join(dir, '.project_root'), session.cwd);
  session.chat.lastUpdated = new Date().toISOString();
  session.path ??= join(dir, 'chats', `session-${session.chat.startTime.slice(0, 16).replace(/:/g, '-')}-${session.id.slice(0, 8)}.json`);
  writeFileSync(session.path, JSON.stringify(session.chat, null, 2));
}

// ── JSON-RPC plumbing
const sessions = new Map(); // id → { id, cwd, chat, path, turn }
const waiting = new Map(); // our request id → resolve
let nextId = 0;
const respond = (id, result) => writeJson({ jsonrpc: '2.0', id, result });
const fail = (id, code, message, data) => writeJson({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });
const update = (sessionId, u) => writeJson({ jsonrpc: '2.0', method: 'session/update', params: { sessionId, update: u } });
function request(method, params) {
  const id = nextId++;
  writeJson({ jsonrpc: '2.0', id, method, params });
  return new Promise((resolve) => waiting.set(id, resolve));
}

function replay(sessionId, messages) {
  return messages.map((m) => () => {
    if (m.type === 'user') update(sessionId, { sessionUpdate: 'user_message_chunk', content: { type: 'text', text: m.content.map((c) => c.text).join('') } });
    else {
      update(sessionId, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: m.content } });
      for (const t of m.toolCalls ?? []) update(sessionId, { sessionUpdate: 'tool_call', toolCallId: t.id, status: 'completed', title: t.displayName, kind: 'read', content: [] });
    }
  });
}

async function prompt(id, params) {
  const session = sessions.get(params.sessionId);
  if (!session) return fail(id, -32603, 'Internal error', { details: `Session not found: ${params.sessionId}` });
  if (faults().has('crash-on-turn')) return exitAfterFlush(1);
  const text = (params.prompt ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('\n');
  const turn = { cancelled: false };
  session.turn = turn;
  const at = () => new Date().toISOString();
  session.chat.messages.push({ id: randomUUID(), timestamp: at(), type: 'user', content: [{ text }] });
  const said = [];
  const say = (t) => {
    said.push(t);
    update(session.id, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } });
  };
  if (faults().has('permission')) {
    const toolCallId = `run_shell_command-${Date.now()}`;
    const toolCall = { toolCallId, status: 'pending', title: PERMISSION_TOOL.input, kind: 'execute', rawInput: { command: PERMISSION_TOOL.input }, content: [], locations: [] };
    update(session.id, { sessionUpdate: 'tool_call', ...toolCall });
    const answer = await request('session/request_permission', {
      sessionId: session.id,
      toolCall,
      options: [
        { optionId: 'proceed_always', name: 'Allow All Edits', kind: 'allow_always' },
        { optionId: 'proceed_once', name: 'Allow', kind: 'allow_once' },
        { optionId: 'cancel', name: 'Reject', kind: 'reject_once' },
      ],
    });
    const chosen = answer?.outcome?.outcome === 'selected' ? answer.outcome.optionId : 'cancel';
    update(session.id, { sessionUpdate: 'tool_call_update', toolCallId, status: chosen === 'cancel' ? 'failed' : 'completed' });
    if (!turn.cancelled) say(permissionReply(chosen !== 'cancel'));
  }
  if (turn.cancelled) return respond(id, { stopReason: 'cancelled' });
  const readId = `read_file-${Date.now()}`;
  update(session.id, { sessionUpdate: 'tool_call', toolCallId: readId, status: 'in_progress', title: TURN_TOOL.input, kind: 'read', locations: [{ path: join(session.cwd, TURN_TOOL.input) }], rawInput: { absolute_path: join(session.cwd, TURN_TOOL.input) }, content: [] });
  update(session.id, { sessionUpdate: 'tool_call_update', toolCallId: readId, status: 'completed', content: [{ type: 'content', content: { type: 'text', text: '# README' } }] });
  say(replyText(text));
  session.chat.messages.push({
    id: randomUUID(), timestamp: at(), type: 'gemini', content: said.join('\n'),
    toolCalls: [{ id: readId, name: 'read_file', displayName: 'ReadFile', args: { absolute_path: 'README.md' }, status: 'success', timestamp: at() }],
  });
  // Gemini records the conversation as it goes; after the first turn the chat file exists and session/load can find it.
  saveChat(session);
  session.turn = null;
  respond(id, { stopReason: turn.cancelled ? 'cancelled' : 'end_turn' });
}

async function load(id, params) {
  const f = faults();
  if (f.has('no-load-session')) return fail(id, -32601, 'Method not found', { method: 'session/load' });
  if (f.has('crash-on-resume')) return exitAfterFlush(1);
  const found = f.has('unknown-id') ? null : findChat(params.cwd, params.sessionId);
  if (!found) {
    record('gemini', 'resume-refused', params.sessionId, params.cwd);
    const chats = join(projectDir(params.cwd), 'chats');
    return fail(id, -32603, 'Internal error', {
      details: `Invalid session identifier "${params.sessionId}".\n  Searched for sessions in ${chats}.\n  Use --list-sessions to see available sessions, then use --resume {number}, --resume {uuid}, or --resume latest.`,
    });
  }
  // `other-id`: the agent reopens, and replays, a different conversation than the one asked for.
  const sessionId = f.has('other-id') ? randomUUID() : params.sessionId;
  sessions.set(sessionId, { id: sessionId, cwd: params.cwd, chat: { ...found.data, sessionId }, path: f.has('other-id') ? undefined : found.path, turn: null });
  record('gemini', 'resumed', sessionId, params.cwd, sessionId === params.sessionId ? {} : { requested: params.sessionId });
  // Like the real agent, history streams back partly before and partly after the load response
  // (Gemini starts its replay and answers without waiting for it; each update is a separate write).
  const steps = replay(sessionId, found.data.messages);
  steps.shift()?.();
  respond(id, {});
  for (const step of steps) {
    await new Promise((resolve) => setImmediate(resolve));
    step();
  }
}

async function handle(msg) {
  if (msg.id !== undefined && msg.method === undefined) {
    waiting.get(msg.id)?.(msg.result);
    waiting.delete(msg.id);
    return;
  }
  const { id, method, params = {} } = msg;
  switch (method) {
    case 'initialize':
      // `hang` / `slow-start` apply to the handshake, which every start and resume begins with.
      await handshakeDelay();
      return respond(id, {
        protocolVersion: 1,
        authMethods: [{ id: 'gemini-api-key', name: 'Use Gemini API key', description: null }],
        agentCapabilities: { loadSession: !faults().has('no-load-session'), promptCapabilities: { image: true, audio: true, embeddedContext: true } },
      });
    case 'authenticate':
      return respond(id, null);
    case 'session/new': {
      const sessionId = randomUUID();
      const now = new Date().toISOString();
      sessions.set(sessionId, { id: sessionId, cwd: params.cwd, chat: { sessionId, projectHash: projectHash(params.cwd), startTime: now, lastUpdated: now, messages: [] }, turn: null });
      record('gemini', 'created', sessionId, params.cwd);
      return respond(id, { sessionId });
    }
    case 'session/load':
      return load(id, params);
    case 'session/prompt':
      return prompt(id, params);
    case 'session/cancel': {
      const turn = sessions.get(params.sessionId)?.turn;
      if (turn) turn.cancelled = true;
      // A pending permission request is answered `cancelled` by the client; nothing else to do here.
      return;
    }
    default:
      if (id !== undefined) fail(id, -32601, 'Method not found', { method });
  }
}

readJsonLines((msg) => {
  handle(msg).catch((err) => {
    if (msg.id !== undefined) fail(msg.id, -32603, 'Internal error', { details: String(err) });
  });
}, { onEnd: () => process.exit(0) });
