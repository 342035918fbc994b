// The claude-stream backend: Claude Code driven through `claude -p` with stream-json in and out.
import { randomUUID } from 'node:crypto';
import type { BackendDriver, DriverEnv, ResumeOutcome, StartOutcome } from '../backend.ts';
import { asVendorId, type BackendCapability, type VendorId } from '../../../core/index.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { checkVersion } from '../shared/check-version.ts';
import { ClaudeSession } from './claude-session.ts';
import { confirmResumedId } from './confirm-resume.ts';
import { describeLiveSession, liveSessionsOf } from './live-sessions.ts';
import { listClaudeTranscripts, quarantineTranscript, transcriptExists, transcriptPath } from './transcripts.ts';
import { readClaudeHistory } from './history.ts';

const BASE_ARGS = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio'];
export const CLAUDE_INSTALL_HINT = 'npm i -g @anthropic-ai/claude-code';
/** Before 1.0.124, `--resume` continued in a new session id (a fork); `--fork-session` made that opt-in. */
export const CLAUDE_MIN_RESUME_VERSION = '1.0.124';
/** How long, after `initialize` was answered, Claude may take to name the resumed session in its registry. */
const CONFIRM_SETTLE_MS = 1_000;

export function createClaudeStreamDriver(env: DriverEnv): BackendDriver {
  async function launch(cwd: string, vendorId: VendorId, args: string[], resumed: boolean): Promise<StartOutcome> {
    const proc = new AgentProcess({ command: env.command, args: [...BASE_ARGS, ...args], cwd, env: env.env });
    const session = new ClaudeSession(vendorId, proc, {
      timeoutMs: env.timeoutMs,
      isPersisted: () => transcriptExists(env.env, cwd, vendorId),
      alreadyPersisted: resumed,
      onFork: (forkId) => quarantineTranscript(env.env, cwd, forkId),
    });
    const started = Date.now();
    const result = await session.handshake();
    let failure: { code: Extract<StartOutcome, { ok: false }>['code']; detail: string } | null = result.ok ? null : result;
    let forkId: string | null = null;
    if (result.ok && resumed) {
      // The conversation is loaded; Claude's own registry entry says which session it now has open. Only the
      // one we asked for counts: the attempt stays unconfirmed (and nothing is written to it) until then.
      const settleMs = Math.max(200, Math.min(CONFIRM_SETTLE_MS, env.timeoutMs - (Date.now() - started)));
      const confirmed = await confirmResumedId(env.env, result.pid ?? proc.pid ?? -1, vendorId, { settleMs, running: () => proc.running });
      if (confirmed === null) failure = { code: 'vendor-error', detail: `claude ${proc.describeExit(await proc.exited)}` };
      else if (!confirmed.ok) {
        forkId = confirmed.forkId;
        failure = confirmed;
      }
    }
    if (failure === null) return { ok: true, handle: session };
    // Fail closed: whatever went wrong, the process we started does not outlive the failure, nor does a fork's transcript.
    await session.stop();
    if (forkId !== null && forkId !== vendorId) quarantineTranscript(env.env, cwd, forkId);
    const detail = failure.code === 'dependency-missing' ? `${env.command} is not installed (${CLAUDE_INSTALL_HINT})` : failure.detail;
    return { ok: false, code: failure.code, detail };
  }

  return {
    backend: 'claude-stream',
    provider: 'claude',
    supportsResume: true,
    checkDependencies: () => claudeCapability(env),
    start({ cwd, permissionMode }) {
      const vendorId = asVendorId(randomUUID());
      return launch(cwd, vendorId, ['--session-id', vendorId, ...modeArgs(permissionMode)], false);
    },
    async resume({ vendorId, cwd, permissionMode }): Promise<ResumeOutcome> {
      // Claude can only resume what it saved; without a transcript there is nothing to reopen, so do not even spawn.
      if (!transcriptExists(env.env, cwd, vendorId)) {
        return { ok: false, code: 'vendor-not-found', detail: `no Claude transcript for session ${vendorId} at ${transcriptPath(env.env, cwd, vendorId)}` };
      }
      return launch(cwd, vendorId, ['--resume', vendorId, ...modeArgs(permissionMode)], true);
    },
    holders: (vendorId) => liveSessionsOf(env.env, vendorId).map((e) => ({ pid: e.pid, detail: describeLiveSession(e) })),
    listDirect: () => listClaudeTranscripts(env.env),
    readHistory: (request) => readClaudeHistory(env.env, request),
  };
}

/** Claude's own flag for the session's permission mode (none: its default). */
const modeArgs = (mode: string | undefined): string[] => (mode ? ['--permission-mode', mode] : []);

/** Installed, and new enough that `--resume` keeps the session id (older ones fork on every resume). */
async function claudeCapability(env: DriverEnv): Promise<BackendCapability> {
  const r = await checkVersion({ command: env.command, env: env.env, installHint: CLAUDE_INSTALL_HINT });
  if (!r.installed) return { installed: false, version: null, canResume: false, detail: r.detail };
  const v = /(\d+)\.(\d+)\.(\d+)/.exec(r.version);
  if (v && compareVersions([Number(v[1]), Number(v[2]), Number(v[3])], CLAUDE_MIN_RESUME_VERSION.split('.').map(Number)) < 0) {
    return {
      installed: true, version: r.version, canResume: false,
      detail: `Claude Code ${v[0]} opens a new session on --resume (a fork); Baton needs ${CLAUDE_MIN_RESUME_VERSION} or newer to reopen sessions (${CLAUDE_INSTALL_HINT})`,
    };
  }
  return { installed: true, version: r.version, canResume: true, detail: null };
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
