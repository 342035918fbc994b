// Fake `opencode` CLI: `opencode serve` speaks OpenCode's HTTP + SSE API (sessions, prompt_async, /event, permissions) with fault switches.
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { record } from './lib/record.mjs';
import { PERMISSION_TOOL, TURN_TOOL, permissionReply, replyText } from './lib/turn.mjs';
import { faults, handshakeDelay } from './lib/faults.mjs';

const VERSION = '0.15.31';
const PROJECT_ID = 'global'; // what OpenCode uses for a directory that is not a git repository
const DEFAULT_TITLE = 'New session - ';
// Servers before the permission rework (BATON_FAKE_OPENCODE_LEGACY=1) ask with `permission.updated`
// and take answers only on POST /session/:id/permissions/:permissionID.
const legacy = process.env.BATON_FAKE_OPENCODE_LEGACY === '1';

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

// ── storage: $XDG_DATA_HOME/opencode/storage/{session/<project>/<id>.json, message/<session>/<id>.json, part/<message>/<id>.json}
const storage = join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'opencode', 'storage');
const sessionPath = (id) => join(storage, 'session', PROJECT_ID, `${id}.json`);
const writeJson = (path, value) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2));
};
function readSession(id) {
  try {
    return JSON.parse(readFileSync(sessionPath(id), 'utf8'));
  } catch {
    return null;
  }
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function newId(prefix) {
  const hex = (Date.now() * 0x1000).toString(16).slice(-12).padStart(12, '0');
  const rest = [...randomBytes(14)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${prefix}_${hex}${rest}`;
}

// ── SSE bus: every event goes to every /event subscriber as `data: {"type","properties"}`
const subscribers = new Set();
function publish(type, properties) {
  const frame = `data: ${JSON.stringify({ type, properties })}\n\n`;
  for (const res of subscribers) res.write(frame);
}

function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
function notFound(res, what) {
  sendJson(res, 404, { name: 'NotFoundError', data: { message: `Resource not found: ${what}` } });
}
async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

function createSession(title, directory) {
  const now = Date.now();
  const id = newId('ses');
  const info = {
    id,
    slug: id.slice(-8).toLowerCase(),
    version: VERSION,
    projectID: PROJECT_ID,
    directory,
    title: title || `${DEFAULT_TITLE}${new Date(now).toISOString()}`,
    time: { created: now, updated: now },
  };
  // OpenCode writes the session file when the session is created, so it is resumable from then on.
  writeJson(sessionPath(id), info);
  record('opencode', 'created', id, directory);
  return info;
}

// ── turns
const pendingPermissions = new Map(); // permission id → { sessionID, resolve }
const busy = new Map(); // session id → { aborted }

function part(sessionID, messageID, fields) {
  const p = { id: newId('prt'), sessionID, messageID, ...fields };
  writeJson(join(storage, 'part', messageID, `${p.id}.json`), p);
  return p;
}

function askPermission(sessionID, messageID) {
  const id = newId('per');
  const request = {
    id,
    sessionID,
    permission: PERMISSION_TOOL.tool.toLowerCase(),
    patterns: [PERMISSION_TOOL.input],
    metadata: { command: PERMISSION_TOOL.input },
    always: [`${PERMISSION_TOOL.input} *`],
    tool: { messageID, callID: `call_${id.slice(-8)}` },
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

async function runTurn(session, text) {
  const turn = { aborted: false };
  busy.set(session.id, turn);
  const sessionID = session.id;
  const now = () => Date.now();
  const userMsg = { id: newId('msg'), sessionID, role: 'user', time: { created: now() } };
  writeJson(join(storage, 'message', sessionID, `${userMsg.id}.json`), userMsg);
  publish('message.updated', { info: userMsg });
  publish('message.part.updated', { part: part(sessionID, userMsg.id, { type: 'text', text }) });
  publish('session.status', { sessionID, status: { type: 'busy' } });

  const asst = { id: newId('msg'), sessionID, role: 'assistant', parentID: userMsg.id, time: { created: now() } };
  publish('message.updated', { info: asst });

  // A text part streams in two updates (a partial one with a delta, then the finished one), as OpenCode does.
  const say = (text) => {
    const first = { id: newId('prt'), sessionID, messageID: asst.id, type: 'text', text: text.slice(0, 4), time: { start: now() } };
    publish('message.part.updated', { part: first, delta: first.text });
    const done = part(sessionID, asst.id, { ...first, text, time: { start: first.time.start, end: now() } });
    publish('message.part.updated', { part: done, delta: text.slice(4) });
  };
  if (faults().has('permission')) {
    const answer = await askPermission(sessionID, asst.id);
    if (!turn.aborted) say(permissionReply(answer !== 'reject'));
  }
  if (!turn.aborted) {
    const callID = `call_${randomBytes(4).toString('hex')}`;
    const input = { filePath: TURN_TOOL.input };
    const running = part(sessionID, asst.id, { type: 'tool', callID, tool: 'read', state: { status: 'running', input, time: { start: now() } } });
    publish('message.part.updated', { part: running });
    publish('message.part.updated', {
      part: { ...running, state: { status: 'completed', input, output: '# README', title: TURN_TOOL.input, metadata: {}, time: { start: now(), end: now() } } },
    });
    say(replyText(text));
  }
  asst.time.completed = now();
  writeJson(join(storage, 'message', sessionID, `${asst.id}.json`), asst);
  publish('message.updated', { info: asst });
  const info = readSession(sessionID);
  // OpenCode titles an untitled session from its first message (the real one asks the model for a summary).
  if (info) writeJson(sessionPath(sessionID), { ...info, title: info.title.startsWith(DEFAULT_TITLE) ? text.slice(0, 50) : info.title, time: { ...info.time, updated: now() } });
  busy.delete(sessionID);
  publish('session.status', { sessionID, status: { type: 'idle' } });
  publish('session.idle', { sessionID });
}

function resolvePermission(permissionID, reply) {
  const pending = pendingPermissions.get(permissionID);
  if (!pending) return;
  pendingPermissions.delete(permissionID);
  publish('permission.replied', { sessionID: pending.sessionID, requestID: permissionID, reply });
  pending.resolve(reply);
}

// ── routes
async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://fake');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const directory = url.searchParams.get('directory') || req.headers['x-opencode-directory'] || process.cwd();

  if (method === 'GET' && url.pathname === '/event') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify({ type: 'server.connected', properties: {} })}\n\n`);
    subscribers.add(res);
    req.on('close', () => subscribers.delete(res));
    return;
  }
  if (parts[0] === 'session' && parts.length === 1) {
    if (method === 'POST') return sendJson(res, 200, createSession((await body(req)).title, String(directory)));
    if (method === 'GET') {
      let files = [];
      try { files = readdirSync(join(storage, 'session', PROJECT_ID)); } catch { /* none yet */ }
      return sendJson(res, 200, files.map((f) => readSession(f.replace(/\.json$/, ''))).filter(Boolean));
    }
  }
  if (parts[0] === 'session' && parts.length === 2 && method === 'GET') {
    // Reopening a session by id: the moment a client resumes, so the resume faults apply here.
    const id = parts[1];
    const f = faults();
    if (f.has('crash-on-resume')) process.exit(1);
    if (f.has('unknown-id')) {
      record('opencode', 'resume-refused', id, String(directory));
      return notFound(res, `${sessionPath(id)}`);
    }
    const info = readSession(id);
    if (!info) {
      record('opencode', 'resume-refused', id, String(directory));
      return notFound(res, `${sessionPath(id)}`);
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
    const info = readSession(parts[1]);
    if (!info) return notFound(res, sessionPath(parts[1]));
    const input = await body(req);
    const text = (input.parts ?? []).filter((p) => p.type === 'text').map((p) => p.text).join('\n');
    if (faults().has('crash-on-turn')) process.exit(1);
    res.writeHead(204).end();
    void runTurn(info, text);
    return;
  }
  if (parts[0] === 'session' && parts[2] === 'abort' && method === 'POST') {
    const turn = busy.get(parts[1]);
    if (turn) turn.aborted = true;
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
  return notFound(res, url.pathname);
}

await handshakeDelay();
const server = createServer((req, res) => {
  handle(req, res).catch((err) => sendJson(res, 400, { name: 'BadRequest', data: { message: String(err) } }));
});
server.listen(port, hostname, () => {
  const address = server.address();
  process.stdout.write(`opencode server listening on http://${hostname}:${address.port}\n`);
});
const shutdown = () => {
  for (const res of subscribers) res.end();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
