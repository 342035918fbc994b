// What the cluster tests share: a machine of the account, paired through one instance, connected to another.
import { ScriptedMachine, type ScriptedMachineOptions, type TestServer } from '../helpers/server-harness.ts';

/** A new machine of `via`'s account, connected to `on` (the two may be different instances on one database). */
export async function machineOn(via: TestServer, on: TestServer, o: ScriptedMachineOptions & { readonly name?: string } = {}): Promise<ScriptedMachine> {
  const issued = via.admin.issueToken(via.admin.defaultAccount(), 'machine', o.name ?? 'laptop');
  const m = new ScriptedMachine(on.url, issued.token, issued.machineId!);
  await m.connect(o);
  return m;
}
