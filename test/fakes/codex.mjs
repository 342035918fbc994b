// Fake Codex CLI: `codex --version`, `codex app-server` (JSON-RPC v2 over stdio, no "jsonrpc" field) and
// `codex mcp-server` (MCP tools `codex` / `codex-reply`). Rollouts are written after a turn, like the real one.
import { randomUUID } from 'node:crypto';
import { record } from './lib/record.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';
import { readJsonLines, writeJson, exitAfterFlush } from './lib/stdio.mjs';
import { TURN_TOOL, PERMISSION_TOOL, replyText, permissionReply } from './lib/turn.mjs';
import { CODEX_VERSION, appendTurn, findRollout, newThreadId } from './lib/codex-store.mjs';
import { runMcpServer } from './lib/codex-mcp-server.mjs';

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-V') {
  process.stdout.write(`codex-cli ${CODEX_VERSION}\n`);
  process.exit(0);
}
if (args[0] === 'mcp-server') {
  await runMcpServer();
} else if (args[0] === 'app-server') {
  if (args[1] === 'generate-ts' || args[1] === 'generate-json-schema') {
    process.stderr.write('the fake codex does not generate schemas\n');
    process.exit(2);
  }
  await runAppServer();
} else {
  process.stderr.write(`error: the fake codex only supports --version, app-server and mcp-server (got: ${args.join(' ') || 'nothing'})\n`);
  process.exit(2);
}

async function runAppServer() {
  let initialized = false;
  let nextServerRequest = 0;
  const pendingServerRequests = new Map(); // id → resolve(result)
  const threads = new Map(); // threadId → { cwd, activeTurn: {id, interrupted} | null }
  let turnChain = Promise.resolve();
  let inbox = Promise.resolve();

  const respond = (id, result) => writeJson({ id, result });
  const respondError = (id, code, message) => writeJson({ id, error: { code, message } });
  const notify = (method, params) => writeJson({ method, params });
  const serverRequest = (method, params) => new Promise((resolve) => {
    const id = nextServerRequest++;
    pendingServerRequests.set(id, resolve);
    writeJson({ id, method, params });
  });

  const threadObject = (id, cwd) => ({
    id, preview: '', modelProvider: 'openai', createdAt: Math.floor(Date.now() / 1000), path: findRollout(id),
    cwd, cliVersion: CODEX_VERSION, source: 'appServer', gitInfo: null, turns: [],
  });
  const threadResponse = (id, cwd) => ({
    thread: threadObject(id, cwd), model: 'gpt-5-codex', modelProvider: 'openai', cwd,
    approvalPolicy: 'on-request', sandbox: { type: 'workspaceWrite' }, reasoningEffort: null,
  });

  async function runTurn(threadId, turnId, text) {
    const thread = threads.get(threadId);
    const items = [];
    const started = (item) => notify('item/started', { threadId, turnId, item });
    const completed = (item) => notify('item/completed', { threadId, turnId, item });
    const say = (message) => {
      const item = { type: 'agentMessage', id: `msg_${randomUUID().slice(0, 8)}`, text: '' };
      started(item);
      notify('item/agentMessage/delta', { threadId, turnId, itemId: item.id, delta: message });
      completed({ ...item, text: message });
      items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: message }] });
    };
    notify('turn/started', { threadId, turn: { id: turnId, items: [], status: 'inProgress', error: null } });
    const user = { type: 'userMessage', id: `user_${randomUUID().slice(0, 8)}`, content: [{ type: 'text', text }] };
    started(user);
    completed(user);
    if (faults().has('permission')) {
      const cmd = { type: 'commandExecution', id: `call_${randomUUID().slice(0, 8)}`, command: PERMISSION_TOOL.input, cwd: thread.cwd, processId: null, status: 'inProgress', commandActions: [], aggregatedOutput: null, exitCode: null, durationMs: null };
      started(cmd);
      const answer = await serverRequest('item/commandExecution/requestApproval', { threadId, turnId, itemId: cmd.id, reason: 'fake codex wants to list files', command: cmd.command, cwd: thread.cwd });
      const allowed = answer?.decision === 'accept' || answer?.decision === 'acceptForSession';
      completed(allowed ? { ...cmd, status: 'completed', aggregatedOutput: 'README.md\n', exitCode: 0, durationMs: 1 } : { ...cmd, status: 'declined' });
      say(permissionReply(allowed));
    }
    if (thread.activeTurn?.interrupted) return finishTurn(threadId, turnId, 'interrupted', text, items);
    const tool = { type: 'mcpToolCall', id: `call_${randomUUID().slice(0, 8)}`, server: 'fake', tool: TURN_TOOL.tool, status: 'inProgress', arguments: { path: TURN_TOOL.input }, result: null, error: null, durationMs: null };
    started(tool);
    completed({ ...tool, status: 'completed', result: { content: [{ type: 'text', text: '# fake README\n' }] }, durationMs: 1 });
    say(replyText(text));
    finishTurn(threadId, turnId, 'completed', text, items);
  }

  function finishTurn(threadId, turnId, status, text, items) {
    const thread = threads.get(threadId);
    // The rollout is flushed before the turn is reported complete.
    appendTurn(threadId, thread.cwd, text, items);
    thread.activeTurn = null;
    notify('turn/completed', { threadId, turn: { id: turnId, items: [], status, error: null } });
  }

  async function onRequest(msg) {
    const { id, method, params = {} } = msg;
    if (method === 'initialize') {
      if (initialized) return respondError(id, -32600, 'Already initialized');
      await handshakeDelay();
      initialized = true;
      return respond(id, { userAgent: `codex_vscode/${CODEX_VERSION} (fake)` });
    }
    if (!initialized) return respondError(id, -32600, 'Not initialized');
    switch (method) {
      case 'thread/start': {
        const threadId = newThreadId();
        const cwd = typeof params.cwd === 'string' ? params.cwd : process.cwd();
        threads.set(threadId, { cwd, activeTurn: null });
        record('codex', 'created', threadId, cwd);
        const result = threadResponse(threadId, cwd);
        respond(id, result);
        return notify('thread/started', { thread: result.thread });
      }
      case 'thread/resume': {
        const f = faults();
        const requested = params.threadId;
        if (f.has('crash-on-resume')) {
          process.stderr.write('fake codex: crashed while loading the rollout (crash-on-resume)\n');
          process.exit(1);
        }
        const rollout = typeof requested === 'string' ? findRollout(requested) : null;
        if (f.has('unknown-id') || !rollout) {
          record('codex', 'resume-refused', String(requested), params.cwd ?? process.cwd());
          return respondError(id, -32600, `no rollout found for thread id ${requested}`);
        }
        const threadId = f.has('other-id') ? newThreadId() : requested;
        const cwd = typeof params.cwd === 'string' ? params.cwd : process.cwd();
        threads.set(threadId, { cwd, activeTurn: null });
        record('codex', 'resumed', threadId, cwd, threadId === requested ? {} : { requested });
        return respond(id, threadResponse(threadId, cwd));
      }
      case 'turn/start': {
        const thread = threads.get(params.threadId);
        if (!thread) return respondError(id, -32600, `thread not found: ${params.threadId}`);
        if (faults().has('crash-on-turn')) {
          process.stderr.write('fake codex: crashed on a user message (crash-on-turn)\n');
          process.exit(1);
        }
        const text = (params.input ?? []).filter((i) => i.type === 'text').map((i) => i.text).join('\n');
        const turnId = `turn_${randomUUID().slice(0, 8)}`;
        respond(id, { turn: { id: turnId, items: [], status: 'inProgress', error: null } });
        turnChain = turnChain.then(() => {
          thread.activeTurn = { id: turnId, interrupted: false };
          return runTurn(params.threadId, turnId, text);
        });
        return;
      }
      case 'turn/interrupt': {
        const thread = threads.get(params.threadId);
        if (thread?.activeTurn && thread.activeTurn.id === params.turnId) {
          thread.activeTurn.interrupted = true;
          for (const [rid, resolve] of pendingServerRequests) {
            pendingServerRequests.delete(rid);
            resolve({ decision: 'cancel' });
          }
        }
        return respond(id, {});
      }
      default:
        return respondError(id, -32600, `Invalid request: unknown variant \`${method}\``);
    }
  }

  readJsonLines((msg) => {
    if (msg.method !== undefined && msg.id !== undefined) inbox = inbox.then(() => onRequest(msg)); // in order, like the real server
    else if (msg.method !== undefined) {
      // notifications from the client: `initialized` is the only one the fake needs
    } else if (msg.id !== undefined) {
      const resolve = pendingServerRequests.get(msg.id);
      if (resolve) {
        pendingServerRequests.delete(msg.id);
        resolve(msg.result ?? null);
      }
    }
  }, { onEnd: () => turnChain.then(() => exitAfterFlush(0)) });
}
