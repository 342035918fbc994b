// The process guard: finds who holds a vendor session, and stops only agents that carry our marker.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessGuard, processesUsing } from '../../src/machine/process-scan.ts';
import { eventually } from '../helpers/fake-env.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
});

function idle(args: string[], env: Record<string, string> = {}): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
  started.push(c);
  return c;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('processesUsing', () => {
  it('finds a process whose command line names the session, and not one that names another', async () => {
    const id = `11111111-2222-4333-8444-${Date.now().toString().padStart(12, '0')}`;
    const holder = idle(['claude', '--resume', id]);
    const other = idle(['claude', '--resume', `${id.slice(0, -1)}x`]);
    const found = await eventually(() => {
      const pids = processesUsing(id).map((p) => p.pid);
      return pids.includes(holder.pid!) ? pids : null;
    }, 'the holder to show up');
    expect(found).toContain(holder.pid);
    expect(found).not.toContain(other.pid);
  });

  it('finds a process holding a file named after the session open (Linux)', async () => {
    if (process.platform !== 'linux') return;
    const id = `thread-${Date.now()}-open-file`;
    const file = `/tmp/rollout-2026-01-01T00-00-00-${id}.jsonl`;
    // The path comes in through the environment, so the command line does not name the session.
    const c = spawn(process.execPath, ['-e', "require('fs').openSync(process.env.HOLD, 'a'); setInterval(() => {}, 1000)"], { stdio: 'ignore', env: { ...process.env, HOLD: file } });
    started.push(c);
    const found = await eventually(() => processesUsing(id).find((p) => p.pid === c.pid), 'the file holder to show up');
    expect(found.args.join(' ')).not.toContain(id);
  });

  it('ignores ids too short to tell apart', () => {
    expect(processesUsing('node')).toEqual([]);
  });
});

describe('reapOrphan', () => {
  const marker = 'BATON_AGENT_OF=/tmp/baton-home-under-test';

  it('stops a process that carries our marker', async () => {
    const orphan = idle([], { BATON_AGENT_OF: '/tmp/baton-home-under-test' });
    await eventually(() => alive(orphan.pid!), 'the orphan to run');
    const guard = createProcessGuard({ agentMarker: marker });
    expect(await guard.reapOrphan(orphan.pid!, null, 'opencode')).toBe(true);
    await exited(orphan);
  });

  it('leaves alone a process at that pid without our marker (pid reuse), even one running the same command', async () => {
    const stranger = idle(['opencode', 'serve'], { BATON_AGENT_OF: '/tmp/some-other-home' });
    const guard = createProcessGuard({ agentMarker: marker });
    expect(await guard.reapOrphan(stranger.pid!, null, 'opencode')).toBe(false);
    expect(alive(stranger.pid!)).toBe(true);
  });
});
