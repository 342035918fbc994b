// `baton sessions [--json]`: every session with where it runs and what can be done with it now.
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { apiFor } from '../lib/config.ts';
import { syncAll } from '../lib/sync-all.ts';

const USAGE = 'baton sessions [--json] [--home DIR]';
const HELP = helpText(USAGE, "Lists every session: where it runs, its status, and what can be done with it now (live, resumable, or\nblocked with a reason).", [["--json", "an array of {id, machine, provider, backend, cwd, title, status, archived, vendorResumeId, availability}"]]);

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const api = await apiFor(values.home);
  const sync = await syncAll(api);
  const machineName = new Map(sync.machines.map((m) => [m.id, m.name]));
  const rows = sync.sessions
    .slice()
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt)
    .map((s) => ({
      id: s.id, machine: machineName.get(s.machineId) ?? s.machineId, provider: s.provider, backend: s.backend, cwd: s.cwd,
      title: s.title, status: s.status, archived: s.archived, vendorResumeId: s.vendorResumeId,
      availability: s.availability.state === 'blocked' ? { state: s.availability.state, reason: s.availability.reason } : { state: s.availability.state },
    }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write('no sessions yet: start one with `baton run <provider>`\n');
    return 0;
  }
  const table = [['ID', 'MACHINE', 'PROVIDER', 'STATUS', 'AVAILABILITY', 'TITLE'], ...rows.map((r) => [
    r.id, r.machine, `${r.provider}/${r.backend}`, r.archived ? `${r.status}, archived` : r.status,
    'reason' in r.availability ? `blocked: ${r.availability.reason}` : r.availability.state, r.title,
  ])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  return 0;
}
