// Fake Codex CLI: `codex --version`, `codex app-server` (JSON-RPC v2 over stdio, no "jsonrpc" field) and
// `codex mcp-server` (MCP tools `codex` / `codex-reply`). Rollouts are written as a turn starts and ends, and a
// thread's writer lock is held while it is open, like the real one. Shapes checked against the real 0.171.0
// app-server and 0.148.0 mcp-server (docs/vendor-protocols.md).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { record } from './lib/record.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';
import { readJsonLines, writeJson, exitAfterFlush } from './lib/stdio.mjs';
import { TURN_TOOL, PERMISSION_TOOL, replyText, permissionReply } from './lib/turn.mjs';
import { LONG_COMMAND, RICH_BASH, RICH_EDIT, RICH_FAILING, RICH_INTRO, RICH_OUTRO, RICH_PLAN, chunks, unifiedHunk } from './lib/rich.mjs';
import { CODEX_VERSION, beginTurn, codexHome, endTurn, findRollout, newThreadId, plannedRolloutPath, rolloutThreadId, takeWriterLock } from './lib/codex-store.mjs';
import { runMcpServer } from './lib/codex-mcp-server.mjs';

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-V') {
  process.stdout.write(`codex-cli ${CODEX_VERSION}\n`);
  process.exit(0);
}
const NO_MCP_SERVER = faults().has('no-mcp-server');
if (args[0] === 'help' && args[1] === 'mcp-server') {
  // `codex help mcp-server`: how a client can tell whether this Codex still has the MCP server.
  if (NO_MCP_SERVER) {
    process.stderr.write("error: unrecognized subcommand 'mcp-server'\n\nUsage: codex [OPTIONS] [PROMPT]\n       codex [OPTIONS] <COMMAND> [ARGS]\n\nFor more information, try '--help'.\n");
    process.exit(2);
  }
  process.stdout.write('Start Codex as an MCP server (stdio)\n\nUsage: codex mcp-server [OPTIONS]\n');
  process.exit(0);
}
if (args[0] === 'mcp-server' && NO_MCP_SERVER) {
  // Newer Codex has no such subcommand: the word becomes a prompt for the interactive TUI, which needs a terminal.
  const term = process.env.TERM ?? 'dumb';
  process.stderr.write(term === 'dumb'
    ? 'ERROR: TERM is set to "dumb". Refusing to start the interactive TUI because no terminal is available for a confirmation prompt (stdin/stderr is not a TTY). Run in a supported terminal or unset TERM.\n'
    : 'Error: stdin is not a terminal\n');
  process.exit(1);
}
// The real one exits cleanly on these (removing its writer locks); node would die without running exit handlers.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => process.exit(sig === 'SIGTERM' ? 143 : 130));
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
  // Real notifications carry `emittedAtMs` next to method/params.
  const notify = (method, params) => writeJson({ method, params, emittedAtMs: Date.now() });
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  let clientName = 'codex_vscode';
  const serverRequest = (method, params) => new Promise((resolve) => {
    const id = nextServerRequest++;
    pendingServerRequests.set(id, resolve);
    writeJson({ id, method, params });
  });

  const threadObject = (id, cwd, path) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      // Only fields both 0.148.0 and 0.169.0 send.
      id, sessionId: id, forkedFromId: null, parentThreadId: null, preview: '', ephemeral: false, modelProvider: 'openai',
      createdAt: now, updatedAt: now, status: { type: 'idle' }, path, cwd, cliVersion: CODEX_VERSION, source: 'vscode', gitInfo: null, name: null, turns: [],
    };
  };
  const threadResponse = (id, cwd, path) => ({
    thread: threadObject(id, cwd, path), model: 'gpt-5-codex', modelProvider: 'openai', serviceTier: null, cwd,
    instructionSources: [], approvalPolicy: 'on-request', approvalsReviewer: 'user', sandbox: { type: 'readOnly', networkAccess: false }, reasoningEffort: null,
  });
  const turnObject = (id, status, startedAt, completedAt = null) => ({
    id, rootTurnId: id, items: [], itemsView: 'notLoaded', status, error: null, startedAt, completedAt,
    durationMs: completedAt === null ? null : (completedAt - startedAt) * 1000,
  });

  /** Resolves after `ms`, or false as soon as the turn is interrupted. */
  const wait = (turn, ms) => new Promise((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    turn.wake = () => (clearTimeout(t), resolve(false));
  });
  const retrying = (threadId, turnId, message, additionalDetails, httpStatusCode = null) => notify('error', {
    error: { message, codexErrorInfo: { responseStreamDisconnected: { httpStatusCode } }, additionalDetails, misalignment: null }, willRetry: true, threadId, turnId,
  });

  async function runTurn(threadId, turnId, text) {
    const thread = threads.get(threadId);
    const turn = thread.activeTurn;
    const items = [];
    const started = (item) => notify('item/started', { item, threadId, turnId, startedAtMs: Date.now() });
    const completed = (item) => notify('item/completed', { item, threadId, turnId, completedAtMs: Date.now() });
    const say = (message, pieces = [message]) => {
      const item = { type: 'agentMessage', moderation: null, id: `msg_${randomUUID().slice(0, 8)}`, text: '', phase: null, memoryCitation: null, delivery: null, questions: null };
      started(item);
      for (const delta of pieces) notify('item/agentMessage/delta', { threadId, turnId, itemId: item.id, delta });
      completed({ ...item, text: message });
      items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: message }] });
    };
    /** A command as 0.171 reports it: started, output deltas, completed with the aggregated output and exit code. */
    const command = async (cmdText, output, exitCode) => {
      const item = {
        type: 'commandExecution', id: `call_${randomUUID().slice(0, 12)}`, pluginId: null, scriptPath: null, command: `/bin/bash -lc '${cmdText}'`, cwd: thread.cwd,
        processId: null, source: 'agent', status: 'inProgress', commandActions: [{ type: 'unknown', command: cmdText }], aggregatedOutput: null, exitCode: null, durationMs: null,
      };
      started(item);
      for (const delta of chunks(output, 3)) {
        notify('item/commandExecution/outputDelta', { threadId, turnId, itemId: item.id, delta });
        await new Promise((r) => setTimeout(r, 5));
      }
      completed({ ...item, processId: String(process.pid), source: 'unifiedExecStartup', status: exitCode === 0 ? 'completed' : 'failed', aggregatedOutput: output, exitCode, durationMs: 15 });
    };
    // The rollout gets the turn's start (and the user's message) before anything else happens.
    beginTurn(threadId, thread.cwd, text, turnId, thread.path);
    notify('thread/status/changed', { threadId, status: { type: 'active', activeFlags: [] } });
    notify('turn/started', { threadId, turn: turnObject(turnId, 'inProgress', turn.startedAt) });
    const user = { type: 'userMessage', id: `user_${randomUUID().slice(0, 8)}`, clientId: null, content: [{ type: 'text', text, text_elements: [] }] };
    started(user);
    completed(user);
    const f = faults();
    const fail = (message, codexErrorInfo) => {
      const error = { message, codexErrorInfo, additionalDetails: null, misalignment: null };
      notify('error', { error, willRetry: false, threadId, turnId });
      return finishTurn(threadId, turnId, 'failed', items, error);
    };
    if (f.has('auth-failed')) {
      // What a rejected key looks like (0.171 with a 401 from the Responses API): one retry, then a failed turn.
      const why = 'unexpected status 401 Unauthorized: Incorrect API key provided, url: https://api.openai.com/v1/responses';
      retrying(threadId, turnId, 'Reconnecting... 1/1', why, 401);
      return fail(why, { httpConnectionFailed: { httpStatusCode: 401 } });
    }
    const retries = f.has('vendor-gave-up') ? 5 : f.has('api-retry') ? 2 : 0;
    for (let n = 1; n <= retries; n++) {
      retrying(threadId, turnId, `Reconnecting... ${n}/5`, 'stream disconnected before completion: failed to lookup address information: Name does not resolve');
      if (!(await wait(turn, 20))) return finishTurn(threadId, turnId, 'interrupted', items);
    }
    if (f.has('vendor-gave-up')) return fail('We’re currently experiencing high demand, which may cause temporary errors.', 'internalServerError');
    if (f.has('slow-turn') && !(await wait(turn, Number(process.env.BATON_FAKE_TURN_MS ?? 3000)))) return finishTurn(threadId, turnId, 'interrupted', items);
    if (f.has('rich')) {
      say(RICH_INTRO, chunks(RICH_INTRO));
      const plan = (steps) => notify('turn/plan/updated', { threadId, turnId, explanation: null, plan: steps.map((p) => ({ step: p.text, status: p.status === 'done' ? 'completed' : p.status === 'in-progress' ? 'inProgress' : 'pending' })) });
      plan(RICH_PLAN);
      // An edit: Codex reports the file change with a unified hunk (paths absolute, as 0.171 gives them).
      const change = {
        type: 'fileChange', id: `call_${randomUUID().slice(0, 12)}`, status: 'inProgress',
        changes: [{ path: join(thread.cwd, RICH_EDIT.file), kind: { type: 'update', move_path: null }, diff: unifiedHunk(RICH_EDIT.before, RICH_EDIT.after) }],
      };
      started(change);
      completed({ ...change, status: 'completed' });
      await command(RICH_BASH.command, RICH_BASH.output, RICH_BASH.exitCode);
      await command(RICH_FAILING.command, RICH_FAILING.output, RICH_FAILING.exitCode);
      plan(RICH_PLAN.map((p) => ({ ...p, status: 'done' })));
      say(RICH_OUTRO);
    }
    if (f.has('permission') || f.has('long-permission')) {
      const asked = f.has('long-permission') ? LONG_COMMAND : PERMISSION_TOOL.input;
      const cmd = { type: 'commandExecution', id: `call_${randomUUID().slice(0, 8)}`, command: asked, cwd: thread.cwd, processId: null, source: 'agent', status: 'inProgress', commandActions: [], aggregatedOutput: null, exitCode: null, durationMs: null };
      started(cmd);
      const answer = await serverRequest('item/commandExecution/requestApproval', {
        kind: 'command', threadId, turnId, itemId: cmd.id, startedAtMs: Date.now(), approvalId: null, environmentId: null,
        reason: 'fake codex wants to list files', command: cmd.command, cwd: thread.cwd, commandActions: [],
      });
      const allowed = answer?.decision === 'accept' || answer?.decision === 'acceptForSession';
      if (allowed) record('codex', 'permission-allowed', threadId, thread.cwd, { decision: answer.decision });
      completed(allowed ? { ...cmd, status: 'completed', aggregatedOutput: 'README.md\n', exitCode: 0, durationMs: 1 } : { ...cmd, status: 'declined' });
      say(permissionReply(allowed));
    }
    if (turn.interrupted) return finishTurn(threadId, turnId, 'interrupted', items);
    const tool = { type: 'mcpToolCall', id: `call_${randomUUID().slice(0, 8)}`, server: 'fake', tool: TURN_TOOL.tool, status: 'inProgress', arguments: { path: TURN_TOOL.input }, result: null, error: null, durationMs: null };
    started(tool);
    completed({ ...tool, status: 'completed', result: { content: [{ type: 'text', text: '# fake README\n' }] }, durationMs: 1 });
    say(replyText(text));
    finishTurn(threadId, turnId, 'completed', items);
  }

  function finishTurn(threadId, turnId, status, items, error = null) {
    const thread = threads.get(threadId);
    // The rollout is flushed before the turn is reported complete.
    endTurn(threadId, turnId, items);
    const startedAt = thread.activeTurn?.startedAt ?? Math.floor(Date.now() / 1000);
    thread.activeTurn = null;
    notify('thread/status/changed', { threadId, status: { type: 'idle' } });
    notify('turn/completed', { threadId, turn: { ...turnObject(turnId, status, startedAt, Math.floor(Date.now() / 1000)), error } });
  }

  async function onRequest(msg) {
    const { id, method, params = {} } = msg;
    if (method === 'initialize') {
      if (initialized) return respondError(id, -32600, 'Already initialized');
      await handshakeDelay();
      initialized = true;
      if (typeof params.clientInfo?.name === 'string') clientName = params.clientInfo.name;
      return respond(id, { userAgent: `${clientName}/${CODEX_VERSION} (fake)`, codexHome: codexHome(), platformFamily: 'unix', platformOs: process.platform === 'darwin' ? 'macos' : process.platform });
    }
    if (!initialized) return respondError(id, -32600, 'Not initialized');
    switch (method) {
      case 'thread/start': {
        const threadId = newThreadId();
        const cwd = typeof params.cwd === 'string' ? params.cwd : process.cwd();
        // The path is announced now; the file itself only appears with the first turn.
        const path = plannedRolloutPath(threadId);
        threads.set(threadId, { cwd, path, activeTurn: null });
        takeWriterLock(threadId);
        record('codex', 'created', threadId, cwd, params.approvalPolicy ? { approvalPolicy: params.approvalPolicy, sandbox: params.sandbox ?? null } : {});
        const result = threadResponse(threadId, cwd, path);
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
        if (typeof requested !== 'string' || !UUID_RE.test(requested)) {
          record('codex', 'resume-refused', String(requested), params.cwd ?? process.cwd());
          return respondError(id, -32600, `invalid session id: ${String(requested)} is not a UUID`);
        }
        const rollout = findRollout(requested);
        if (f.has('unknown-id') || !rollout) {
          record('codex', 'resume-refused', String(requested), params.cwd ?? process.cwd());
          return respondError(id, -32600, `no rollout found for thread id ${requested}`);
        }
        if (rolloutThreadId(rollout) !== requested) {
          // A rollout copied under another thread's name: the real 0.171 refuses it.
          record('codex', 'resume-refused', requested, params.cwd ?? process.cwd());
          return respondError(id, -32600, 'thread source changed during resume; retry with the current thread ID or path');
        }
        if (!threads.has(requested) && !takeWriterLock(requested)) {
          record('codex', 'resume-refused', requested, params.cwd ?? process.cwd());
          return respondError(id, -32600, `thread ${requested} already has an active writer`);
        }
        const threadId = f.has('other-id') ? newThreadId() : requested;
        const cwd = typeof params.cwd === 'string' ? params.cwd : process.cwd();
        threads.set(threadId, { cwd, path: rollout, activeTurn: null });
        // Without `excludeTurns: true` the real one warns on every resume (full-history hydration is deprecated).
        if (params.excludeTurns !== true) notify('deprecationNotice', { summary: 'Full-history hydration is deprecated for paginated threads; use `excludeTurns: true`, then page with `thread/turns/list` and `thread/items/list`.', details: null });
        record('codex', 'resumed', threadId, cwd, { ...(threadId === requested ? {} : { requested }), ...(params.excludeTurns === true ? {} : { hydrated: true }) });
        return respond(id, threadResponse(threadId, cwd, rollout));
      }
      case 'turn/start': {
        const thread = threads.get(params.threadId);
        if (!thread) return respondError(id, -32600, `thread not found: ${params.threadId}`);
        if (faults().has('crash-on-turn')) {
          process.stderr.write('fake codex: crashed on a user message (crash-on-turn)\n');
          process.exit(1);
        }
        const text = (params.input ?? []).filter((i) => i.type === 'text').map((i) => i.text).join('\n');
        const turnId = newThreadId(); // turn ids are UUIDv7 too
        if (params.approvalPolicy) record('codex', 'turn-mode', params.threadId, thread.cwd, { approvalPolicy: params.approvalPolicy, sandboxPolicy: params.sandboxPolicy ?? null });
        const startedAt = Math.floor(Date.now() / 1000);
        respond(id, { turn: turnObject(turnId, 'inProgress', startedAt) });
        turnChain = turnChain.then(() => {
          thread.activeTurn = { id: turnId, interrupted: false, startedAt };
          return runTurn(params.threadId, turnId, text);
        });
        return;
      }
      case 'turn/interrupt': {
        const thread = threads.get(params.threadId);
        if (!thread) return respondError(id, -32600, `thread not found: ${params.threadId}`);
        // Like 0.171: only a turn already announced with turn/started (and not yet completed) can be interrupted.
        if (!thread.activeTurn || thread.activeTurn.id !== params.turnId) return respondError(id, -32600, 'no active turn to interrupt');
        if (thread.activeTurn && thread.activeTurn.id === params.turnId) {
          thread.activeTurn.interrupted = true;
          thread.activeTurn.wake?.();
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
