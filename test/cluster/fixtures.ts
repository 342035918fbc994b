// What the cluster tests share: a machine of the account, paired through one instance, connected to another, and an
// instance of their own to kill.
import { afterEach } from 'vitest';
import { ScriptedMachine, startServerProcess, tempHome, type ScriptedMachineOptions, type ServerProcess, type TestServer } from '../helpers/server-harness.ts';

/** A new machine of `via`'s account, connected to `on` (the two may be different instances on one database). */
export async function machineOn(via: TestServer, on: TestServer, o: ScriptedMachineOptions & { readonly name?: string } = {}): Promise<ScriptedMachine> {
  const issued = via.admin.issueToken(via.admin.defaultAccount(), 'machine', o.name ?? 'laptop');
  const m = new ScriptedMachine(on.url, issued.token, issued.machineId!);
  await m.connect(o);
  return m;
}

/**
 * Starts `baton server` children with `args` for the tests of the describe it is called in, which SIGKILL them; any
 * still running after a test is killed then.
 */
export function doomedInstances(): (args: readonly string[]) => Promise<ServerProcess> {
  let running: ServerProcess[] = [];
  afterEach(async () => {
    for (const p of running) await p.kill('SIGKILL');
    running = [];
  });
  return async (args) => {
    const p = await startServerProcess(tempHome(), [...args]);
    running.push(p);
    return p;
  };
}
