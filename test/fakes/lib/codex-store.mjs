// The fake codex's session store: rollout files under $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<threadId>.jsonl.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

// 0.148.0: a real release that has both `app-server` and `mcp-server` (0.169.0 no longer has mcp-server); see docs/vendor-protocols.md.
export const CODEX_VERSION = '0.148.0';

export function codexHome() {
  return process.env.CODEX_HOME || join(homedir(), '.codex');
}

/** A UUIDv7-looking thread id, like the real CLI mints. */
export function newThreadId() {
  const b = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Finds the rollout file of a thread, or null (bounded walk: sessions/YYYY/MM/DD). */
export function findRollout(threadId) {
  const root = join(codexHome(), 'sessions');
  if (!existsSync(root)) return null;
  for (const y of readdirSync(root)) {
    for (const m of safeList(join(root, y))) {
      for (const d of safeList(join(root, y, m))) {
        const dir = join(root, y, m, d);
        const hit = safeList(dir).find((f) => f.startsWith('rollout-') && f.endsWith(`-${threadId}.jsonl`));
        if (hit) return join(dir, hit);
      }
    }
  }
  return null;
}

function safeList(dir) {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

const pad = (n) => String(n).padStart(2, '0');

/**
 * Where a new thread's rollout will be written. The real app-server announces this path in thread/start
 * (`thread.path`) although the file only appears with the first turn.
 */
export function plannedRolloutPath(threadId, now = new Date()) {
  const dir = join(codexHome(), 'sessions', String(now.getFullYear()), pad(now.getMonth() + 1), pad(now.getDate()));
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return join(dir, `rollout-${stamp}-${threadId}.jsonl`);
}

/**
 * Writes the start of a turn, as the real 0.171 does when the turn starts (so a turn that never ends leaves a
 * resumable thread): on a new rollout the `session_meta` line, then `task_started`, on the first turn the harness's
 * `<environment_context>` message, then the user's message as a `response_item` and an `item_completed` event.
 * Returns the rollout's path.
 */
export function beginTurn(threadId, cwd, userText, turnId, planned = null) {
  let file = findRollout(threadId);
  const ts = new Date().toISOString();
  const lines = [];
  const fresh = !file;
  if (fresh) {
    file = planned ?? plannedRolloutPath(threadId);
    mkdirSync(dirname(file), { recursive: true });
    lines.push({ timestamp: ts, ordinal: 0, type: 'session_meta', payload: { session_id: threadId, id: threadId, timestamp: ts, cwd, originator: 'codex_cli_rs', cli_version: CODEX_VERSION, source: 'vscode', model_provider: 'openai', base_instructions: { text: 'You are a coding agent running in the Codex CLI (fake).' } } });
    // As 0.171.0 does: the environment goes in as a user message before the user's own (not the user's words).
    lines.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${cwd}</cwd>\n  <shell>bash</shell>\n</environment_context>` }] } });
  }
  lines.push({ timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: turnId } });
  if (fresh) lines.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>` }] } });
  lines.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: userText }] } });
  lines.push({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', thread_id: threadId, turn_id: turnId, item: { type: 'UserMessage', content: [{ type: 'text', text: userText, text_elements: [] }] } } });
  appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

/** Writes the end of a turn: its items and `task_complete`. */
export function endTurn(threadId, turnId, items) {
  const file = findRollout(threadId);
  if (!file) return;
  const ts = new Date().toISOString();
  const lines = items.map((item) => ({ timestamp: ts, type: 'response_item', payload: item }));
  lines.push({ timestamp: ts, type: 'event_msg', payload: { type: 'task_complete', turn_id: turnId } });
  appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** A whole turn at once (the mcp-server fake has no turn that can stop half-way). */
export function appendTurn(threadId, cwd, userText, items, planned = null) {
  const turnId = newThreadId();
  const file = beginTurn(threadId, cwd, userText, turnId, planned);
  endTurn(threadId, turnId, items);
  return file;
}

/** The id in a rollout's session_meta line (a copied file keeps the thread it came from). */
export function rolloutThreadId(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8').split('\n')[0]).payload?.id ?? null;
  } catch {
    return null;
  }
}

/**
 * The thread's writer lock, $CODEX_HOME/thread-writer-locks/<id>.lock, held open while this process writes the
 * thread and removed on exit, like the real one. (The real one also flocks it; node cannot, so another fake sees
 * a holder by its open file instead.) Returns false when another live process holds it.
 */
export function takeWriterLock(threadId) {
  const dir = join(codexHome(), 'thread-writer-locks');
  const file = join(dir, `${threadId}.lock`);
  if (existsSync(file) && otherHolders(file).length > 0) return false;
  mkdirSync(dir, { recursive: true });
  const fd = openSync(file, 'a');
  process.on('exit', () => {
    try {
      closeSync(fd);
      unlinkSync(file);
    } catch {
      // already gone
    }
  });
  return true;
}

function otherHolders(file) {
  const out = [];
  for (const pid of safeList('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    for (const fd of safeList(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) out.push(Number(pid));
      } catch {
        // gone
      }
    }
  }
  return out;
}
