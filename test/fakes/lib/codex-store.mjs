// The fake codex's session store: rollout files under $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<threadId>.jsonl.
import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
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

/** Appends one turn to the thread's rollout, creating the file (with its session_meta line) on the first turn. */
export function appendTurn(threadId, cwd, userText, items, planned = null) {
  let file = findRollout(threadId);
  const now = new Date();
  const ts = now.toISOString();
  const lines = [];
  if (!file) {
    file = planned ?? plannedRolloutPath(threadId, now);
    mkdirSync(dirname(file), { recursive: true });
    lines.push({ timestamp: ts, type: 'session_meta', payload: { id: threadId, timestamp: ts, cwd, originator: 'codex_cli_rs', cli_version: CODEX_VERSION, instructions: null, source: 'vscode', model_provider: 'openai' } });
    // As 0.171.0 does: the environment goes in as a user message before the user's own (not the user's words).
    lines.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${cwd}</cwd>\n  <shell>bash</shell>\n</environment_context>` }] } });
  }
  lines.push({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: userText }] } });
  lines.push({ timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: userText, images: [] } });
  for (const item of items) lines.push({ timestamp: ts, type: 'response_item', payload: item });
  appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}
