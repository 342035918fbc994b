// The codex-mcp backend: `codex mcp-server` for fresh sessions only — it cannot reopen a conversation, and says so.
import { execFile } from 'node:child_process';
import type { BackendCapability } from '../../../core/index.ts';
import type { BackendDriver, DriverEnv, StartOutcome } from '../backend.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { checkVersion } from '../shared/check-version.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';
import { CODEX_INSTALL_HINT } from '../codex-app-server/index.ts';
import { McpSession } from './mcp-session.ts';
import { readCodexHistory } from '../codex-app-server/history.ts';

export const CODEX_MCP_CANNOT_RESUME = 'codex-mcp cannot resume a session (Codex\'s MCP server only starts fresh conversations); start a new session, or use the codex-app-server backend, which can resume';

/** Why this Codex cannot run the backend at all: the `mcp-server` subcommand is gone from newer releases. */
export const CODEX_MCP_SERVER_MISSING = 'this Codex has no `mcp-server` subcommand (removed from newer Codex releases, e.g. 0.169.0); use the codex-app-server backend';

/** Whether `<codex> help mcp-server` knows the subcommand (exit 0) — never throws. */
function hasMcpServer(env: DriverEnv): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      execFile(env.command, ['help', 'mcp-server'], { env: env.env as NodeJS.ProcessEnv, timeout: 5000, maxBuffer: 64 * 1024 }, (err) => resolve(!err));
    } catch {
      resolve(false);
    }
  });
}

/**
 * Newer Codex takes `mcp-server` as a prompt for its interactive TUI, which exits 1 without a terminal;
 * that exit means the subcommand is missing, not that the agent failed.
 */
function looksLikeMissingSubcommand(stderr: string): boolean {
  return /stdin is not a terminal|Refusing to start the interactive TUI|unrecognized subcommand 'mcp-server'/.test(stderr);
}

export function createCodexMcpDriver(env: DriverEnv): BackendDriver {
  return {
    backend: 'codex-mcp',
    provider: 'codex',
    supportsResume: false,
    async checkDependencies(): Promise<BackendCapability> {
      const r = await checkVersion({ command: env.command, env: env.env, installHint: CODEX_INSTALL_HINT });
      if (!r.installed) return { installed: false, version: null, canResume: false, detail: r.detail };
      if (!(await hasMcpServer(env))) return { installed: false, version: r.version, canResume: false, detail: CODEX_MCP_SERVER_MISSING };
      return { installed: true, version: r.version, canResume: false, detail: CODEX_MCP_CANNOT_RESUME };
    },
    async start({ cwd }): Promise<StartOutcome> {
      const proc = new AgentProcess({ command: env.command, args: ['mcp-server'], cwd, env: env.env });
      const session = new McpSession(proc, cwd);
      let failure: { code: 'timeout' | 'vendor-error' | 'dependency-missing'; detail: string } | null = null;
      const init = session.initialize();
      init.catch(() => {});
      try {
        if ((await withTimeout(init, env.timeoutMs)) === TIMED_OUT) failure = { code: 'timeout', detail: `codex mcp-server did not answer initialize within ${env.timeoutMs} ms` };
      } catch (err) {
        const exit = proc.running ? null : await proc.exited;
        failure = exit?.spawnError?.startsWith('ENOENT')
          ? { code: 'dependency-missing', detail: `${env.command} is not installed (${CODEX_INSTALL_HINT})` }
          : exit && looksLikeMissingSubcommand(proc.stderr)
            ? { code: 'dependency-missing', detail: CODEX_MCP_SERVER_MISSING }
            : { code: 'vendor-error', detail: exit ? `codex mcp-server ${proc.describeExit(exit)}` : (err as Error).message };
      }
      if (failure === null) return { ok: true, handle: session };
      await session.stop();
      return { ok: false, ...failure };
    },
    async resume() {
      return { ok: false, code: 'vendor-error', detail: CODEX_MCP_CANNOT_RESUME };
    },
    // Its conversations live in the same rollout store the codex-app-server backend lists (and can take over).
    listDirect: async () => [],
    readHistory: (request) => readCodexHistory(env.env, request),
  };
}
