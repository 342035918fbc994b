// The fake claude's files, where the real 2.1.197 keeps them: transcripts under projects/<slug>/ and the live-session
// registry sessions/<pid>.json (written at start-up, rewritten when the session id changes, removed on exit).
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export const configDir = () => process.env.CLAUDE_CONFIG_DIR || join(homedir(), '.claude');

/** The real CLI's project folder rule: non-alphanumerics → `-`; over 200 characters: cut, plus `-<base36 hash>`. */
export function projectSlug(cwd) {
  const slug = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (slug.length <= 200) return slug;
  let h = 0;
  for (let i = 0; i < cwd.length; i++) h = (h << 5) - h + cwd.charCodeAt(i) | 0;
  return `${slug.slice(0, 200)}-${Math.abs(h).toString(36)}`;
}

export function transcriptOf(cwd, id) {
  return join(configDir(), 'projects', projectSlug(cwd), `${id}.jsonl`);
}

/** Like the real CLI: an empty file is no conversation. */
export function hasTranscript(cwd, id) {
  try {
    return statSync(transcriptOf(cwd, id)).size > 0;
  } catch {
    return false;
  }
}

/** /proc/<pid>/stat field 22 (what the real CLI stores as `procStart`). */
function procStart() {
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process's registry entry; `entrypoint` is `sdk-cli` for -p stream-json, `cli` for the terminal UI. */
export function registerLiveSession({ sessionId, cwd, version, entrypoint }) {
  const dir = join(configDir(), 'sessions');
  const file = join(dir, `${process.pid}.json`);
  const entry = {
    pid: process.pid, sessionId, cwd, startedAt: Date.now(), procStart: procStart(), version, peerProtocol: 1,
    kind: 'interactive', entrypoint, name: `${basename(cwd)}-${Math.floor(Math.random() * 256).toString(16).padStart(2, '0')}`, nameSource: 'derived',
  };
  const write = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(entry));
  };
  write();
  process.on('exit', () => {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  });
  // The real CLI exits cleanly on these (removing its entry); node would die without running exit handlers.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => process.exit(sig === 'SIGTERM' ? 143 : 130));
  return {
    /** The session id changed (a resume, /resume in the terminal): the entry follows. */
    setSessionId(id) {
      entry.sessionId = id;
      if (existsSync(dir)) write();
    },
  };
}
