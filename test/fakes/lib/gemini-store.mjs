// The fake Gemini's chat store, shaped like Gemini CLI 0.61's: ~/.gemini/projects.json, tmp/<project>/.project_root and
// chats/session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl (a metadata line, `$set` updates, one line per message).
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const root = () => join(process.env.GEMINI_CLI_HOME || homedir(), '.gemini');
export const fileMinute = (at) => new Date(at).toISOString().slice(0, 16).replace(/:/g, '-');
const readJson = (p, fallback) => { try { return JSON.parse(readFileSync(p, 'utf8')); } catch { return fallback; } };

/** The project's folder under tmp/, registered in projects.json by its short name, as Gemini does. */
export function projectDir(cwd) {
  const registry = readJson(join(root(), 'projects.json'), { projects: {} });
  let name = registry.projects[cwd];
  if (!name) {
    const taken = new Set(Object.values(registry.projects));
    // Gemini 0.61: `my_proj.v2 x` → `my-proj-v2-x` (lowercase, every other character a dash).
    const base = basename(cwd).toLowerCase().replace(/[^a-z0-9]/g, '-') || 'root';
    name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}-${i}`;
    registry.projects[cwd] = name;
    mkdirSync(root(), { recursive: true });
    writeFileSync(join(root(), 'projects.json'), JSON.stringify(registry, null, 2));
  }
  const dir = join(root(), 'tmp', name);
  mkdirSync(join(dir, 'chats'), { recursive: true });
  writeFileSync(join(dir, '.project_root'), cwd);
  return dir;
}
export const projectHash = (cwd) => createHash('sha256').update(cwd).digest('hex');

/** The synthetic first user message Gemini writes into every chat: it lists the cwd's contents. */
export function sessionContext(cwd) {
  let entries = [];
  try { entries = readdirSync(cwd).slice(0, 200); } catch { /* unreadable cwd */ }
  const text = `<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n- **Workspace Directories:**\n  - ${cwd}\n- **Directory Structure:**\n\n${cwd}/\n${entries.map((e) => `└───${e}`).join('\n')}\n</session_context>`;
  return { id: randomUUID().replace(/-/g, ''), timestamp: new Date().toISOString(), type: 'user', content: [{ text }] };
}

/** Starts a recording for `sessionId` in `session-<minute of at>-<id8>.jsonl`, appending if that name exists (Gemini's bug). */
export function startRecording(cwd, sessionId, at = Date.now()) {
  const path = join(projectDir(cwd), 'chats', `session-${fileMinute(at)}-${sessionId.slice(0, 8)}.jsonl`);
  const now = new Date().toISOString();
  appendFileSync(path, `${JSON.stringify({ sessionId, projectHash: projectHash(cwd), startTime: now, lastUpdated: now, kind: 'main' })}\n${JSON.stringify({ $set: { messages: [sessionContext(cwd)], lastUpdated: now } })}\n`);
  return path;
}

export function appendMessage(path, message) {
  appendFileSync(path, `${JSON.stringify(message)}\n${JSON.stringify({ $set: { lastUpdated: message.timestamp } })}\n`);
}

/** Reads one chat file as Gemini does: metadata merged, `$set.messages` replacing the history, message lines by id. */
export function readChat(path) {
  let meta = {};
  let messages = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let row;
    try { row = JSON.parse(line); } catch { continue; }
    if (row.$set) {
      if (Array.isArray(row.$set.messages)) messages = new Map(row.$set.messages.map((m) => [m.id, m]));
      const { messages: _m, ...rest } = row.$set;
      meta = { ...meta, ...rest };
    } else if (typeof row.type === 'string') messages.set(row.id, row);
    else if (row.sessionId) meta = { ...meta, ...row };
  }
  return { ...meta, messages: [...messages.values()] };
}

const text = (m) => (typeof m.content === 'string' ? m.content : (m.content ?? []).map((c) => c.text ?? '').join(''));
export const isResumable = (chat) => chat.messages.some((m) => (m.type === 'user' ? !/^\s*<session_context>/.test(text(m)) && text(m).trim() !== '' : m.type === 'gemini' && text(m).trim() !== ''));

export function chatFiles(cwd) {
  const chats = join(projectDir(cwd), 'chats');
  return readdirSync(chats).filter((f) => f.startsWith('session-') && f.endsWith('.jsonl')).sort().map((f) => ({ name: f, path: join(chats, f), chat: readChat(join(chats, f)) }));
}

/** The resumable file of a session (Gemini keeps the newest by lastUpdated), or null. */
export function findSession(cwd, sessionId) {
  const mine = chatFiles(cwd).filter((f) => f.chat.sessionId === sessionId && isResumable(f.chat));
  mine.sort((a, b) => Date.parse(b.chat.lastUpdated ?? 0) - Date.parse(a.chat.lastUpdated ?? 0));
  return mine[0] ?? null;
}
export const hasAnySession = (cwd) => chatFiles(cwd).some((f) => isResumable(f.chat));

/**
 * Gemini's start-up clean-up (session retention): every chat without conversation is deleted, together
 * with every file sharing its 8-character id prefix — the real history of a reopened chat included.
 */
export function startupCleanup(cwd) {
  if (!existsSync(join(root(), 'projects.json'))) return;
  const files = chatFiles(cwd);
  for (const empty of files.filter((f) => !isResumable(f.chat))) {
    const prefix = empty.name.replace(/\.jsonl$/, '').slice(-8);
    for (const f of files) if (f.name.endsWith(`-${prefix}.jsonl`) && existsSync(f.path)) unlinkSync(f.path);
  }
}

export function settings() {
  return readJson(join(root(), 'settings.json'), {});
}
/**
 * Whether Gemini trusts a folder (0.61: folder trust is on unless settings turn it off; `trustedFolders.json` maps a
 * folder to TRUST_FOLDER — it and everything below — or TRUST_PARENT — its parent and everything below).
 */
export function folderTrusted(cwd) {
  if (settings().security?.folderTrust?.enabled === false) return true;
  const rules = readJson(join(root(), 'trustedFolders.json'), {});
  const under = (dir) => cwd === dir || cwd.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
  return Object.entries(rules).some(([dir, rule]) => (rule === 'TRUST_FOLDER' && under(dir)) || (rule === 'TRUST_PARENT' && under(dirname(dir))));
}
export function selectAuth(type) {
  const s = settings();
  mkdirSync(root(), { recursive: true });
  writeFileSync(join(root(), 'settings.json'), JSON.stringify({ ...s, security: { ...s.security, auth: { ...s.security?.auth, selectedType: type } } }, null, 2));
}
