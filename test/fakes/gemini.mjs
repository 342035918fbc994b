// Fake `gemini` CLI: `gemini --acp` speaks the Agent Client Protocol (JSON-RPC 2.0, one JSON per line on stdio) with fault
// switches, and keeps its chats the way Gemini CLI 0.61 does (see lib/gemini-store.mjs), bugs included.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { record } from './lib/record.mjs';
import { PERMISSION_TOOL, TURN_TOOL, permissionReply, replyText } from './lib/turn.mjs';
import { RICH_BASH, RICH_EDIT, RICH_INTRO, RICH_OUTRO, RICH_PLAN, chunks } from './lib/rich.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';
import { exitAfterFlush, readJsonLines, writeJson } from './lib/stdio.mjs';
import { appendMessage, findSession, folderTrusted, hasAnySession, selectAuth, settings, startRecording, startupCleanup } from './lib/gemini-store.mjs';

const VERSION = '0.61.0';
/** Gemini CLI 0.61's modes, as its `session/new` lists them. */
const MODES = {
  availableModes: [
    { id: 'default', name: 'Default', description: 'Prompts for approval' },
    { id: 'autoEdit', name: 'Auto Edit', description: 'Auto-approves edit tools' },
    { id: 'yolo', name: 'YOLO', description: 'Auto-approves all tools' },
    { id: 'plan', name: 'Plan', description: 'Read-only mode' },
  ],
  currentModeId: 'default',
};
// Old releases only know `--experimental-acp`; BATON_FAKE_GEMINI_LEGACY=1 makes the fake one of those.
const legacy = process.env.BATON_FAKE_GEMINI_LEGACY === '1';
const acpFlag = legacy ? '--experimental-acp' : '--acp';
// How long ago a new chat's file name says it was created (tests set it so a quick resume is not "the same minute").
const chatAgeMs = Number(process.env.BATON_FAKE_GEMINI_CHAT_AGE_MS ?? 0);

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

// Like the real CLI, the process is a wrapper that relaunches itself as a child. The wrapper ignores SIGTERM (the
// child, the agent itself, does not): a signal to the wrapper's pid alone stops nothing, one to the group does.
if (process.env.BATON_FAKE_GEMINI_CHILD !== '1') {
  process.on('SIGTERM', () => {});
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BATON_FAKE_GEMINI_CHILD: '1' } });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  runAgent();
}

function runAgent() {
  const sessions = new Map(); // id → { id, cwd, path, turn }
  const waiting = new Map(); // our request id → resolve
  let nextId = 0;
  let authenticated = false;
  const respond = (id, result) => writeJson({ jsonrpc: '2.0', id, result });
  const fail = (id, code, message, data) => writeJson({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });
  const update = (sessionId, u) => writeJson({ jsonrpc: '2.0', method: 'session/update', params: { sessionId, update: u } });
  const at = () => new Date().toISOString();
  const authReady = () => authenticated || settings().security?.auth?.selectedType !== undefined;
  function request(method, params) {
    const id = nextId++;
    writeJson({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve) => waiting.set(id, resolve));
  }

  function replay(sessionId, messages) {
    return messages.map((m) => () => {
      const text = typeof m.content === 'string' ? m.content : m.content.map((c) => c.text).join('');
      if (m.type === 'user') update(sessionId, { sessionUpdate: 'user_message_chunk', content: { type: 'text', text } });
      else {
        update(sessionId, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text } });
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
    // The real CLI remembers the auth method (the key it found in the environment) once it first calls the model.
    if (!authReady() && process.env.GEMINI_API_KEY) selectAuth('gemini-api-key');
    appendMessage(session.path, { id: randomUUID(), timestamp: at(), type: 'user', content: [{ text }] });
    if (faults().has('prompt-error')) {
      // The real CLI retries a failing model call for minutes (0.61, API overloaded: ~6 min), then fails the prompt
      // with the API's status and words as the JSON-RPC error; no update says it is retrying meanwhile.
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.BATON_FAKE_PROMPT_ERROR_MS ?? 50)));
      session.turn = null;
      if (turn.cancelled) return respond(id, { stopReason: 'cancelled' });
      return fail(id, 503, 'The model is overloaded.');
    }
    const said = [];
    const say = (t) => {
      said.push(t);
      update(session.id, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } });
    };
    if (faults().has('rich')) await richTurn(session, say);
    if (faults().has('permission')) {
      // 0.61: no tool_call before the request; the request carries it (pending), with the cwd and description as content.
      const toolCallId = `run_shell_command__run_shell_command_${Date.now()}_0`;
      const toolCall = {
        toolCallId, status: 'pending', title: PERMISSION_TOOL.input, kind: 'execute',
        content: [{ type: 'content', content: { type: 'text', text: `[current working directory ${session.cwd}] (List files)` } }], locations: [],
      };
      const answer = await request('session/request_permission', {
        sessionId: session.id,
        options: [
          { optionId: 'proceed_always', name: 'Allow for this session', kind: 'allow_always' },
          { optionId: 'proceed_once', name: 'Allow', kind: 'allow_once' },
          { optionId: 'cancel', name: 'Reject', kind: 'reject_once' },
        ],
        toolCall,
      });
      const chosen = answer?.outcome?.outcome === 'selected' ? answer.outcome.optionId : 'cancel';
      if (chosen !== 'cancel') record('gemini', 'permission-allowed', session.id, session.cwd, { optionId: chosen });
      update(session.id, { sessionUpdate: 'tool_call_update', toolCallId, status: chosen === 'cancel' ? 'failed' : 'completed', title: PERMISSION_TOOL.input, content: [], locations: [], kind: 'execute' });
      if (!turn.cancelled) say(permissionReply(chosen !== 'cancel'));
    }
    if (turn.cancelled) return respond(id, { stopReason: 'cancelled' });
    const readId = `read_file-${Date.now()}`;
    update(session.id, { sessionUpdate: 'tool_call', toolCallId: readId, status: 'in_progress', title: TURN_TOOL.input, kind: 'read', locations: [{ path: join(session.cwd, TURN_TOOL.input) }], rawInput: { absolute_path: join(session.cwd, TURN_TOOL.input) }, content: [] });
    update(session.id, { sessionUpdate: 'tool_call_update', toolCallId: readId, status: 'completed', content: [{ type: 'content', content: { type: 'text', text: '# README' } }] });
    say(replyText(text));
    // Gemini records the conversation as it goes: after the first turn the chat is resumable.
    appendMessage(session.path, {
      id: randomUUID(), timestamp: at(), type: 'gemini', content: said.join('\n'),
      toolCalls: [{ id: readId, name: 'read_file', displayName: 'ReadFile', args: { absolute_path: 'README.md' }, status: 'success', timestamp: at() }],
    });
    session.turn = null;
    respond(id, { stopReason: turn.cancelled ? 'cancelled' : 'end_turn' });
  }

  /** The `rich` turn as Gemini 0.61 reports it: text chunks, an edit with its diff content, a shell call (no output), a plan. */
  async function richTurn(session, say) {
    for (const piece of chunks(RICH_INTRO)) update(session.id, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: piece } });
    const plan = (items) => update(session.id, { sessionUpdate: 'plan', entries: items.map((p) => ({ content: p.text, priority: 'medium', status: p.status === 'done' ? 'completed' : p.status === 'in-progress' ? 'in_progress' : 'pending' })) });
    plan(RICH_PLAN);
    const file = join(session.cwd, RICH_EDIT.file);
    const editId = `replace__replace_${Date.now()}_0`;
    const diff = [{ type: 'diff', path: file, oldText: RICH_EDIT.before, newText: RICH_EDIT.after, _meta: { kind: 'modify' } }];
    update(session.id, { sessionUpdate: 'tool_call', toolCallId: editId, status: 'in_progress', title: `${RICH_EDIT.file}: rewrite greet`, content: diff, locations: [{ path: file }], kind: 'edit' });
    update(session.id, { sessionUpdate: 'tool_call_update', toolCallId: editId, status: 'completed', title: `${RICH_EDIT.file}: rewrite greet`, content: diff, locations: [{ path: file }], kind: 'edit' });
    const shellId = `run_shell_command__run_shell_command_${Date.now()}_1`;
    update(session.id, { sessionUpdate: 'tool_call', toolCallId: shellId, status: 'in_progress', title: RICH_BASH.command, content: [], locations: [], kind: 'execute' });
    await new Promise((r) => setTimeout(r, 5));
    update(session.id, { sessionUpdate: 'tool_call_update', toolCallId: shellId, status: 'completed', title: RICH_BASH.command, content: [], locations: [], kind: 'execute' });
    plan(RICH_PLAN.map((p) => ({ ...p, status: 'done' })));
    say(RICH_OUTRO);
    // The text said before the tools is one chunk run; what follows is the next.
  }

  async function load(id, params) {
    const f = faults();
    if (f.has('no-load-session')) return fail(id, -32601, 'Method not found', { method: 'session/load' });
    if (!authReady()) return fail(id, -32000, 'Authentication required');
    if (f.has('crash-on-resume')) return exitAfterFlush(1);
    // Loading first starts a recording under the requested id in a file named for *now* (the same-minute bug lives here).
    startRecording(params.cwd, params.sessionId);
    const found = f.has('unknown-id') ? null : findSession(params.cwd, params.sessionId);
    if (!found) {
      record('gemini', 'resume-refused', params.sessionId, params.cwd);
      if (!hasAnySession(params.cwd)) return fail(id, -32603, 'Internal error', { details: 'No previous sessions found for this project.' });
      return fail(id, -32603, 'Internal error', {
        details: `Invalid session identifier "${params.sessionId}".\n  Use --list-sessions to see available sessions, then use --resume {number}, --resume {uuid}, or --resume latest.`,
      });
    }
    // `other-id`: the agent reopens, and replays, a different conversation than the one asked for.
    const sessionId = f.has('other-id') ? randomUUID() : params.sessionId;
    sessions.set(sessionId, { id: sessionId, cwd: params.cwd, path: found.path, turn: null });
    record('gemini', 'resumed', sessionId, params.cwd, sessionId === params.sessionId ? {} : { requested: params.sessionId });
    // Like the real agent, history streams back partly before and partly after the load response.
    const steps = replay(sessionId, found.chat.messages);
    steps.shift()?.();
    respond(id, { modes: MODES });
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
        // Start-up: Gemini's session clean-up runs, then a start-up chat of the cwd is recorded.
        startupCleanup(process.cwd());
        startRecording(process.cwd(), randomUUID());
        return respond(id, {
          protocolVersion: 1,
          authMethods: [
            { id: 'oauth-personal', name: 'Log in with Google', description: 'Log in with your Google account' },
            { id: 'gemini-api-key', name: 'Gemini API key', description: 'Use an API key with Gemini Developer API', _meta: { 'api-key': { provider: 'google' } } },
            { id: 'vertex-ai', name: 'Vertex AI', description: 'Use an API key with Vertex AI GenAI API' },
          ],
          agentInfo: { name: 'gemini-cli', title: 'Gemini CLI', version: VERSION },
          agentCapabilities: { loadSession: !faults().has('no-load-session'), promptCapabilities: { image: true, audio: true, embeddedContext: true }, mcpCapabilities: { http: true, sse: true } },
        });
      case 'authenticate':
        if (params.methodId === 'gemini-api-key' && !process.env.GEMINI_API_KEY) return fail(id, -32000, 'Gemini API key is missing or not configured.');
        authenticated = true;
        selectAuth(params.methodId);
        return respond(id, {});
      case 'session/new': {
        if (!authReady() && !process.env.GEMINI_API_KEY) return fail(id, -32000, 'Gemini API key is missing or not configured.');
        const sessionId = randomUUID();
        const path = startRecording(params.cwd, sessionId, Date.now() - chatAgeMs);
        sessions.set(sessionId, { id: sessionId, cwd: params.cwd, path, turn: null });
        record('gemini', 'created', sessionId, params.cwd);
        return respond(id, { sessionId, modes: MODES });
      }
      case 'session/load':
        return load(id, params);
      case 'session/prompt':
        return prompt(id, params);
      case 'session/set_mode': {
        if (!sessions.has(params.sessionId)) return fail(id, -32603, 'Internal error', { details: `Session not found: ${params.sessionId}` });
        if (!MODES.availableModes.some((m) => m.id === params.modeId)) return fail(id, -32602, 'Invalid params', { details: `Invalid or unavailable mode: ${params.modeId}` });
        // 0.61 refuses the modes that approve by themselves in a folder it does not trust.
        if ((params.modeId === 'autoEdit' || params.modeId === 'yolo') && !folderTrusted(sessions.get(params.sessionId).cwd)) {
          return fail(id, -32603, 'Internal error', { details: 'Cannot enable privileged approval modes in an untrusted folder.' });
        }
        record('gemini', 'permission-mode', params.sessionId, sessions.get(params.sessionId).cwd, { mode: params.modeId });
        return respond(id, {});
      }
      case 'session/cancel': {
        const turn = sessions.get(params.sessionId)?.turn;
        if (turn) turn.cancelled = true;
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
  }, {
    // `stuck-on-exit`: a child that never exits once stdin closes (only a signal to its whole group stops it).
    onEnd: () => (faults().has('stuck-on-exit') ? setInterval(() => {}, 1 << 30) : process.exit(0)),
  });
}
