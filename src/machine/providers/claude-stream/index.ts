// The claude-stream backend: Claude Code driven through `claude -p` with stream-json in and out.
import { randomUUID } from 'node:crypto';
import type { BackendDriver, DriverEnv, ResumeOutcome, StartOutcome } from '../backend.ts';
import { asVendorId, type VendorId } from '../../../core/index.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { resumableCapability } from '../shared/check-version.ts';
import { ClaudeSession } from './claude-session.ts';
import { listClaudeTranscripts, transcriptExists, transcriptPath } from './transcripts.ts';
import { readClaudeHistory } from './history.ts';

const BASE_ARGS = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio'];
export const CLAUDE_INSTALL_HINT = 'npm i -g @anthropic-ai/claude-code';

export function createClaudeStreamDriver(env: DriverEnv): BackendDriver {
  async function launch(cwd: string, vendorId: VendorId, args: string[], resumed: boolean): Promise<StartOutcome> {
    const proc = new AgentProcess({ command: env.command, args: [...BASE_ARGS, ...args], cwd, env: env.env });
    const session = new ClaudeSession(vendorId, proc, env.timeoutMs, () => transcriptExists(env.env, cwd, vendorId), resumed);
    const result = await session.handshake();
    if (result.ok) return { ok: true, handle: session };
    // Fail closed: whatever went wrong, the process we started does not outlive the failure.
    await session.stop();
    const detail = result.code === 'dependency-missing' ? `${env.command} is not installed (${CLAUDE_INSTALL_HINT})` : result.detail;
    return { ok: false, code: result.code, detail };
  }

  return {
    backend: 'claude-stream',
    provider: 'claude',
    supportsResume: true,
    checkDependencies: () => resumableCapability({ command: env.command, env: env.env, installHint: CLAUDE_INSTALL_HINT }),
    start({ cwd }) {
      const vendorId = asVendorId(randomUUID());
      return launch(cwd, vendorId, ['--session-id', vendorId], false);
    },
    async resume({ vendorId, cwd }): Promise<ResumeOutcome> {
      // Claude can only resume what it saved; without a transcript there is nothing to reopen, so do not even spawn.
      if (!transcriptExists(env.env, cwd, vendorId)) {
        return { ok: false, code: 'vendor-not-found', detail: `no Claude transcript for session ${vendorId} at ${transcriptPath(env.env, cwd, vendorId)}` };
      }
      return launch(cwd, vendorId, ['--resume', vendorId], true);
    },
    listDirect: () => listClaudeTranscripts(env.env),
    readHistory: (request) => readClaudeHistory(env.env, request),
  };
}
