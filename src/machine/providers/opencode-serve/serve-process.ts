// One `opencode serve` on 127.0.0.1: a free port Baton picked (never OpenCode's usual 4096), a fresh server password, its URL.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { ResumeFailureCode } from '../../../core/index.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import type { DriverEnv } from '../backend.ts';

export type ServeOutcome =
  | { readonly ok: true; readonly proc: AgentProcess; readonly url: string; readonly password: string }
  | { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

// The real CLI prints `opencode server listening on http://127.0.0.1:PORT` (plain text, not JSON).
const LISTENING = /listening on (https?:\/\/\S+)/;
// OpenCode's own default: `--port 0` tries it first, so a user's `opencode` would find Baton's server there.
export const OPENCODE_DEFAULT_PORT = 4096;
const PORT_IN_USE = /EADDRINUSE|address already in use|port .* in use/i;

/** A port nothing listens on right now (the OS picks it; never 4096). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 && port !== OPENCODE_DEFAULT_PORT ? resolve(port) : freePort().then(resolve, reject)));
    });
  });
}

/**
 * Spawns the server in `cwd` and waits until `deadline` for its URL. Every server gets its own password
 * (`OPENCODE_SERVER_PASSWORD`, HTTP basic auth), so no other local process can drive the session.
 * On any failure the process is gone before this resolves.
 */
export async function startServe(env: DriverEnv, cwd: string, deadline: number): Promise<ServeOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await startOnce(env, cwd, deadline, await freePort());
    // Another process may take the port between the probe and the spawn: try once more with another.
    if (outcome.ok || attempt >= 2 || !PORT_IN_USE.test(outcome.detail)) return outcome;
  }
}

async function startOnce(env: DriverEnv, cwd: string, deadline: number, port: number): Promise<ServeOutcome> {
  const password = randomBytes(24).toString('base64url');
  const proc = new AgentProcess({
    command: env.command, args: ['serve', '--port', String(port), '--hostname', '127.0.0.1'], cwd,
    env: { ...env.env, OPENCODE_SERVER_PASSWORD: password, OPENCODE_SERVER_USERNAME: 'opencode' },
  });
  let dispose = () => {};
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<string | { code: ResumeFailureCode; detail: string }>((resolve) => {
    dispose = proc.onBadLine((line) => {
      const m = LISTENING.exec(line);
      if (m?.[1]) resolve(m[1].replace(/\/$/, ''));
    });
    timer = setTimeout(
      () => resolve({ code: 'timeout', detail: `${env.command} serve did not say where it listens within ${env.timeoutMs} ms` }),
      Math.max(0, deadline - Date.now()),
    );
    void proc.exited.then((exit) =>
      resolve(
        exit.spawnError
          ? { code: 'dependency-missing', detail: `${env.command} could not be started (${exit.spawnError}); install opencode (npm i -g opencode-ai)` }
          : { code: 'vendor-error', detail: `${env.command} serve ${proc.describeExit(exit)} before it was ready` },
      ),
    );
  });
  clearTimeout(timer);
  dispose();
  if (typeof outcome !== 'string') {
    await proc.stop();
    return { ok: false, ...outcome };
  }
  return { ok: true, proc, url: outcome, password };
}
