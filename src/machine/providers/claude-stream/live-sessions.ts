// Claude's live-session registry: every running claude (terminal or `-p`) writes $CLAUDE_CONFIG_DIR/sessions/<pid>.json
// naming the session it has open. Baton reads it to see a terminal's session (no id in its argv) and to confirm a resume.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processStartTicks } from '../../process-scan.ts';
import { claudeConfigDir } from './transcripts.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** One registry entry (fields as Claude Code 2.1.197 writes them; more exist, these are the ones Baton reads). */
export interface LiveClaudeSession {
  readonly pid: number;
  readonly sessionId: string;
  readonly cwd: string | null;
  /** `interactive` for a terminal and for `-p`; `bg`, `daemon`, … for background agents. */
  readonly kind: string | null;
  /** `cli` for a terminal, `sdk-cli` for `-p` stream-json. */
  readonly entrypoint: string | null;
  /** /proc start time when it registered: tells a reused pid apart. */
  readonly procStart: string | null;
}

export function registryDir(env: Env): string {
  return join(claudeConfigDir(env), 'sessions');
}

/** The entry `pid` wrote, or null when there is none (yet) or it cannot be read. */
export function readRegistryEntry(env: Env, pid: number): LiveClaudeSession | null {
  try {
    return parseEntry(JSON.parse(readFileSync(join(registryDir(env), `${pid}.json`), 'utf8')), pid);
  } catch {
    return null;
  }
}

/** Whether the process behind an entry is still the one that wrote it (a killed claude leaves its file behind). */
export function isLive(entry: LiveClaudeSession): boolean {
  if (!isAlive(entry.pid)) return false;
  const now = entry.procStart === null ? null : processStartTicks(entry.pid);
  return now === null || now === entry.procStart;
}

/** Running claude processes that have `vendorId` open, by their own registry entries. Never throws. */
export function liveSessionsOf(env: Env, vendorId: string): LiveClaudeSession[] {
  let names: string[];
  try {
    names = readdirSync(registryDir(env));
  } catch {
    return [];
  }
  const out: LiveClaudeSession[] = [];
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name);
    if (!m) continue;
    const entry = readRegistryEntry(env, Number(m[1]));
    if (entry && entry.sessionId === vendorId && entry.pid !== process.pid && isLive(entry)) out.push(entry);
  }
  return out;
}

/** "claude in a terminal (cwd /x)" */
export function describeLiveSession(e: LiveClaudeSession): string {
  const where = e.entrypoint === 'cli' ? 'in a terminal' : e.entrypoint === 'sdk-cli' ? 'in print mode (-p)' : e.entrypoint ? `via ${e.entrypoint}` : '';
  return `claude${where ? ` ${where}` : ''}${e.cwd ? ` (cwd ${e.cwd})` : ''}`;
}

function parseEntry(raw: unknown, pid: number): LiveClaudeSession | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.sessionId !== 'string' || r.sessionId.length === 0) return null;
  if (r.pid !== undefined && r.pid !== pid) return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { pid, sessionId: r.sessionId, cwd: str(r.cwd), kind: str(r.kind), entrypoint: str(r.entrypoint), procStart: str(r.procStart) };
}
