// Fake `opencode` CLI: `opencode serve` speaks OpenCode 1.18's HTTP + SSE API (sessions, prompt_async, /event, permissions,
// basic auth with OPENCODE_SERVER_PASSWORD) with fault switches, and keeps its sessions in opencode.db like the real one.
import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { record, stateDir } from './lib/record.mjs';
import { PERMISSION_TOOL, TURN_TOOL, permissionReply, replyText } from './lib/turn.mjs';
import { RICH_BASH, RICH_EDIT, RICH_FAILING, RICH_INTRO, RICH_OUTRO, RICH_PLAN, unifiedHunk } from './lib/rich.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';
import { getSession, insertSession, listSessions, putMessage, putPart, touchSession } from './lib/opencode-store.mjs';

const VERSION = '1.18.33';
const PROJECT_ID = 'global'; // what OpenCode uses for a directory that is not a git repository
const DEFAULT_TITLE = 'New session - ';
const DEFAULT_PORT = 4096;
// Servers before the permission rework (BATON_FAKE_OPENCODE_LEGACY=1) ask with `permission.updated`
// and take answers only on POST /session/:id/permissions/:permissionID.
const legacy = process.env.BATON_FAKE_OPENCODE_LEGACY === '1';
const password = process.env.OPENCODE_SERVER_PASSWORD || null;
const username = process.env.OPENCODE_SERVER_USERNAME || 'opencode';
// Offline: what OpenCode 1.18.33 says while it retries a model call it cannot make.
const OFFLINE = 'Cannot connect to API: Unable to connect. Is the computer able to access the url?';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (args[0] !== 'serve') {
  process.stderr.write('fake opencode: only `opencode serve` and `opencode --version` are implemented\n');
  process.exit(1);
}

const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const hostname = option('--hostname', '127.0.0.1');
const port = Number(option('--port', '0'));

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// As OpenCode's ascending ids: the millisecond times 0x1000 plus a counter within it, its low 6 bytes in hex, so ids
// made in the same millisecond still sort in the order they were made (its history is read in id order on ties).
let lastMs = 0;
let counter = 0;
function newId(prefix) {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    counter = 0;
  }
  counter++;
  const hex = (BigInt(ms) * 0x1000n + BigInt(counter)).toString(16).slice(-12).padStart(12, '0');
  const rest = [...randomBytes(14)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${prefix}_${hex}${rest}`;
}

// ── SSE bus: every event goes to every /event subscriber as `data: {"id","type","properties"}`
const subscribers = new Set();
function publish(type, properties) {
  const frame = `data: ${JSON.stringify({ id: newId('evt'), type, properties })}\n\n`;
  for (const res of subscribers) res.write(frame);
}

function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
function notFound(res, message) {
  sendJson(res, 404, { name: 'NotFoundError', data: { message } });
}
async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (text.trim() === '') return {};
  return JSON.parse(text);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function createSession(title, directory) {
  const now = Date.now();
  const id = newId('ses');
  const info = {
    id, slug: id.slice(-8).toLowerCase(), version: VERSION, projectID: PROJECT_ID, directory, path: directory.replace(/^\//, ''),
    title: title || `${DEFAULT_TITLE}${new Date(now).toISOString()}`, time: { created: now, updated: now },
  };
  // OpenCode writes the session when it is created, so it is resumable from then on.
  insertSession(info);
  record('opencode', 'created', id, directory);
  publish('session.created', { sessionID: id, info });
  return getSession(id);
}

// ── turns
const pendingPermissions = new Map(); // permission id → { sessionID, resolve }
const busy = new Map(); // session id → { aborted, wake }

function part(sessionID, messageID, fields) {
  const p = { id: newId('prt'), sessionID, messageID, ...fields };
  putPart(p);
  return p;
}
const status = (sessionID, s) => publish('session.status', { sessionID, status: s });
function idle(sessionID) {
  status(sessionID, { type: 'idle' });
  publish('session.idle', { sessionID });
}

function askPermission(sessionID, messageID) {
  const id = newId('per');
  const request = {
    id, sessionID, permission: PERMISSION_TOOL.tool.toLowerCase(), patterns: [PERMISSION_TOOL.input],
    metadata: { command: PERMISSION_TOOL.input }, always: [`${PERMISSION_TOOL.input} *`], tool: { messageID, callID: `call_${id.slice(-8)}` },
  };
  return new Promise((resolve) => {
    pendingPermissions.set(id, { sessionID, resolve });
    if (!legacy) return publish('permission.asked', request);
    publish('permission.updated', {
      id, type: request.permission, pattern: PERMISSION_TOOL.input, sessionID, messageID, callID: request.tool.callID,
      title: PERMISSION_TOOL.input, metadata: request.metadata, time: { created: Date.now() },
    });
  });
}

/** Retries a model call the way OpenCode does: `session.status retry {attempt, message, next}`, then busy again. */
async function retry(turn, sessionID, attempts, message) {
  for (let attempt = 1; attempt <= attempts && !turn.aborted; attempt++) {
    const wait = Number(process.env.BATON_FAKE_RETRY_MS ?? 20);
    status(sessionID, { type: 'retry', attempt, message, next: Date.now() + wait });
    await Promise.race([sleep(wait), new Promise((resolve) => (turn.wake = resolve))]);
    status(sessionID, { type: 'busy' });
  }
}

async function runTurn(session, text) {
  const turn = { aborted: false, wake: () => {} };
  busy.set(session.id, turn);
  const sessionID = session.id;
  const now = () => Date.now();
  const userMsg = { id: newId('msg'), sessionID, role: 'user', time: { created: now() } };
  putMessage(userMsg);
  publish('message.updated', { sessionID, info: userMsg });
  publish('message.part.updated', { sessionID, part: part(sessionID, userMsg.id, { type: 'text', text }), time: now() });
  status(sessionID, { type: 'busy' });

  const asst = { id: newId('msg'), sessionID, role: 'assistant', parentID: userMsg.id, time: { created: now() } };
  putMessage(asst);
  publish('message.updated', { sessionID, info: asst });

  // Text streams as OpenCode 1.18 sends it: an empty part, `message.part.delta` events, then the finished part.
  const say = (text) => {
    const p = { id: newId('prt'), sessionID, messageID: asst.id, type: 'text', text: '', time: { start: now() } };
    publish('message.part.updated', { sessionID, part: p, time: now() });
    for (const delta of [text.slice(0, 4), text.slice(4)]) publish('message.part.delta', { sessionID, messageID: asst.id, partID: p.id, field: 'text', delta });
    const done = { ...p, text, time: { start: p.time.start, end: now() } };
    putPart(done);
    publish('message.part.updated', { sessionID, part: done, time: now() });
  };
  const f = faults();
  let error = null;
  if (f.has('give-up')) {
    await retry(turn, sessionID, 5, OFFLINE);
    if (!turn.aborted) error = { name: 'APIError', data: { message: OFFLINE, isRetryable: true, metadata: { url: 'https://opencode.ai/zen/v1/chat/completions' } } };
  } else if (f.has('retry')) {
    await retry(turn, sessionID, 2, OFFLINE);
  }
  if (!error && f.has('rich')) await richTurn(session, asst, say);
  if (!error && f.has('permission')) {
    const answer = await askPermission(sessionID, asst.id);
    if (!turn.aborted) say(permissionReply(answer !== 'reject'));
  }
  if (!error && !turn.aborted) {
    const callID = `call_${randomBytes(4).toString('hex')}`;
    const input = { filePath: TURN_TOOL.input };
    const running = part(sessionID, asst.id, { type: 'tool', callID, tool: 'read', state: { status: 'running', input, time: { start: now() } } });
    publish('message.part.updated', { sessionID, part: running, time: now() });
    publish('message.part.updated', {
      sessionID, part: { ...running, state: { status: 'completed', input, output: '# README', title: TURN_TOOL.input, metadata: {}, time: { start: now(), end: now() } } }, time: now(),
    });
    say(replyText(text));
  }
  // Aborted mid-turn: OpenCode ends the message with MessageAbortedError and says so on the bus.
  if (turn.aborted) error = { name: 'MessageAbortedError', data: { message: 'Aborted' } };
  asst.time.completed = now();
  if (error) asst.error = error;
  putMessage(asst);
  busy.delete(sessionID);
  if (error) publish('session.error', { sessionID, error });
  publish('message.updated', { sessionID, info: asst });
  // OpenCode titles an untitled session from its first message (the real one asks the model for a summary).
  const info = getSession(sessionID);
  touchSession(sessionID, info?.title.startsWith(DEFAULT_TITLE) && !error ? text.slice(0, 50) : null);
  idle(sessionID);
  if (error) idle(sessionID); // after a failed turn the real server reports idle twice
}

/** The `rich` turn in OpenCode 1.18.33's shapes: tool parts pending → running (output in metadata) → completed, an edit with its diff, todo.updated. */
async function richTurn(session, asst, say) {
  const sessionID = session.id;
  const now = () => Date.now();
  say(RICH_INTRO);
  const todos = (items) => publish('todo.updated', { sessionID, todos: items.map((t) => ({ content: t.text, status: t.status === 'done' ? 'completed' : t.status === 'in-progress' ? 'in_progress' : 'pending', priority: 'medium' })) });
  todos(RICH_PLAN);
  const tool = async (name, input, steps) => {
    const callID = `call_${randomBytes(4).toString('hex')}`;
    const base = part(sessionID, asst.id, { type: 'tool', callID, tool: name, state: { status: 'pending', input: {}, raw: '' } });
    publish('message.part.updated', { sessionID, part: base, time: now() });
    const start = now();
    for (const state of steps) {
      publish('message.part.updated', { sessionID, part: { ...base, state: { input, time: { start, ...(state.status === 'running' ? {} : { end: now() }) }, ...state } }, time: now() });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const file = join(session.directory ?? process.cwd(), RICH_EDIT.file);
  const diff = `Index: ${file}\n===================================================================\n--- ${file}\n+++ ${file}\n${unifiedHunk(RICH_EDIT.before, RICH_EDIT.after)}`;
  await tool('edit', { filePath: file, oldString: RICH_EDIT.before, newString: RICH_EDIT.after }, [
    { status: 'running' },
    { status: 'completed', output: 'Edit applied successfully.', title: RICH_EDIT.file, metadata: { diagnostics: {}, diff, filediff: { file, patch: diff, additions: 3, deletions: 1 }, truncated: false } },
  ]);
  const half = RICH_BASH.output.slice(0, Math.floor(RICH_BASH.output.length / 2));
  await tool('bash', { command: RICH_BASH.command, description: RICH_BASH.description }, [
    { status: 'running' },
    { status: 'running', metadata: { output: half } },
    { status: 'completed', output: RICH_BASH.output, title: RICH_BASH.command, metadata: { output: RICH_BASH.output, exit: RICH_BASH.exitCode, truncated: false } },
  ]);
  await tool('bash', { command: RICH_FAILING.command, description: RICH_FAILING.description }, [
    { status: 'running' },
    { status: 'completed', output: RICH_FAILING.output, title: RICH_FAILING.command, metadata: { output: RICH_FAILING.output, exit: RICH_FAILING.exitCode, truncated: false } },
  ]);
  todos(RICH_PLAN.map((t) => ({ ...t, status: 'done' })));
  say(RICH_OUTRO);
}

function resolvePermission(permissionID, reply) {
  const pending = pendingPermissions.get(permissionID);
  if (!pending) return;
  pendingPermissions.delete(permissionID);
  publish('permission.replied', { sessionID: pending.sessionID, requestID: permissionID, reply });
  if (reply !== 'reject') record('opencode', 'permission-allowed', pending.sessionID, process.cwd(), { reply });
  pending.resolve(reply);
}

function authorized(req) {
  if (!password) return true; // without a password the server has no authentication (per OpenCode's docs)
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return req.headers.authorization === expected;
}

// ── routes
async function handle(req, res) {
  if (!authorized(req)) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="Secure Area"' });
    return res.end();
  }
  const url = new URL(req.url ?? '/', 'http://fake');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const directory = url.searchParams.get('directory') || decodeURIComponent(String(req.headers['x-opencode-directory'] ?? '')) || process.cwd();

  if (method === 'GET' && url.pathname === '/event') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify({ id: newId('evt'), type: 'server.connected', properties: {} })}\n\n`);
    subscribers.add(res);
    req.on('close', () => subscribers.delete(res));
    return;
  }
  if (parts[0] === 'session' && parts.length === 1) {
    if (method === 'POST') return sendJson(res, 200, createSession((await body(req)).title, String(directory)));
    if (method === 'GET') return sendJson(res, 200, listSessions());
  }
  if (parts[0] === 'session' && parts.length === 2 && method === 'GET') {
    // Reopening a session by id: the moment a client resumes, so the resume faults apply here.
    const id = parts[1];
    const f = faults();
    if (f.has('crash-on-resume')) process.exit(1);
    const info = f.has('unknown-id') ? null : getSession(id);
    if (!info) {
      record('opencode', 'resume-refused', id, String(directory));
      return notFound(res, `Session not found: ${id}`);
    }
    if (f.has('other-id')) {
      const other = newId('ses');
      record('opencode', 'resumed', other, info.directory, { requested: id });
      return sendJson(res, 200, { ...info, id: other });
    }
    record('opencode', 'resumed', id, info.directory);
    return sendJson(res, 200, info);
  }
  if (parts[0] === 'session' && parts[2] === 'prompt_async' && method === 'POST') {
    const info = getSession(parts[1]);
    if (!info) return notFound(res, `Session not found: ${parts[1]}`);
    const input = await body(req);
    const text = (input.parts ?? []).filter((p) => p.type === 'text').map((p) => p.text).join('\n');
    if (faults().has('crash-on-turn')) process.exit(1);
    if (typeof input.agent === 'string') record('opencode', 'prompt-agent', info.id, info.directory, { agent: input.agent });
    res.writeHead(204).end();
    void runTurn(info, text);
    return;
  }
  if (parts[0] === 'session' && parts[2] === 'abort' && method === 'POST') {
    const turn = busy.get(parts[1]);
    if (turn) {
      turn.aborted = true;
      turn.wake();
    }
    for (const [id, p] of pendingPermissions) if (p.sessionID === parts[1]) resolvePermission(id, 'reject');
    return sendJson(res, 200, true);
  }
  // Current API: POST /permission/:requestID/reply {reply}; older servers: POST /session/:id/permissions/:permissionID {response}.
  if (parts[0] === 'permission' && parts[2] === 'reply' && method === 'POST' && !legacy) {
    resolvePermission(parts[1], (await body(req)).reply);
    return sendJson(res, 200, true);
  }
  if (parts[0] === 'session' && parts[2] === 'permissions' && parts[3] && method === 'POST') {
    resolvePermission(parts[3], (await body(req)).response);
    return sendJson(res, 200, true);
  }
  return notFound(res, `Resource not found: ${url.pathname}`);
}

await handshakeDelay();
const server = createServer((req, res) => {
  handle(req, res).catch((err) => sendJson(res, 400, { name: 'BadRequest', data: { message: String(err) } }));
});
// `--port 0` tries OpenCode's usual 4096 first and takes a random port only when that one is taken (as 1.18.33 does).
let tried4096 = port === 0;
server.on('error', (err) => {
  if (err.code === 'EADDRINUSE' && tried4096) {
    tried4096 = false;
    return server.listen(0, hostname);
  }
  process.stderr.write(`Error: Failed to start server on port ${port || DEFAULT_PORT}: ${err.message}\n`);
  process.exit(1);
});
server.on('listening', () => {
  const address = server.address();
  const dir = stateDir();
  if (dir) appendFileSync(join(dir, 'opencode-serve.jsonl'), `${JSON.stringify({ pid: process.pid, port: address.port, password: password !== null })}\n`);
  process.stdout.write(`opencode server listening on http://${hostname}:${address.port}\n`);
});
server.listen(port === 0 ? DEFAULT_PORT : port, hostname);
const heartbeat = setInterval(() => publish('server.heartbeat', {}), 10_000);
heartbeat.unref();
const shutdown = () => {
  for (const res of subscribers) res.end();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
