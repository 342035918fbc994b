// One `opencode serve` process on 127.0.0.1 port 0: spawn it and learn its URL from the line it prints.
import type { ResumeFailureCode } from '../../../core/index.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import type { DriverEnv } from '../backend.ts';

export type ServeOutcome =
  | { readonly ok: true; readonly proc: AgentProcess; readonly url: string }
  | { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

// The real CLI prints `opencode server listening on http://127.0.0.1:PORT` (plain text, not JSON).
const LISTENING = /listening on (https?:\/\/\S+)/;

/** Spawns the server in `cwd` and waits until `deadline` for its URL. On any failure the process is gone before this resolves. */
export async function startServe(env: DriverEnv, cwd: string, deadline: number): Promise<ServeOutcome> {
  const proc = new AgentProcess({ command: env.command, args: ['serve', '--port', '0', '--hostname', '127.0.0.1'], cwd, env: env.env });
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
  return { ok: true, proc, url: outcome };
}
