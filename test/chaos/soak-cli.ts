// `npm run soak -- --seed S --ops N [--instances 2] [--postgres | --database URL]`: runs the chaos soak, prints its
// table, exits 1 on any violation.
import { parseArgs } from 'node:util';
import { formatPlacements, formatReport, runSoak } from './soak.ts';

const USAGE = 'usage: npm run soak -- --seed <integer> --ops <positive integer> [--instances <1|2>] [--postgres | --database postgres://…] [--quiet]';
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' }, ops: { type: 'string', default: '200' }, quiet: { type: 'boolean', default: false },
    instances: { type: 'string', default: '1' }, postgres: { type: 'boolean', default: false }, database: { type: 'string' },
  },
});
const seed = Number(values.seed);
const ops = Number(values.ops);
const instances = Number(values.instances);
const database = values.database;
if (!Number.isInteger(seed) || !Number.isInteger(ops) || ops < 1 || !Number.isInteger(instances) || instances < 1 || instances > 2 || (database !== undefined && !/^postgres(ql)?:\/\//.test(database))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
// Stopped by a signal: exit, so the throw-away Postgres is removed ('exit' handlers run; the children die with us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
// Several instances share one Postgres: a throw-away cluster unless --database names one.
const postgres = database ?? (values.postgres || instances > 1);
const report = await runSoak({ seed, ops, instances, postgres, log: (line) => (values.quiet && !line.startsWith('VIOLATION') && !line.startsWith('replay') ? undefined : process.stderr.write(`${line}\n`)) });
process.stdout.write(`${formatReport(report)}\n`);
const placements = formatPlacements(report);
if (placements) process.stdout.write(`${placements}\n`);
process.stdout.write(`(took ${Math.round(report.elapsedMs / 1000)} s)\n`);
if (report.violations.length > 0) {
  const first = report.violations[0]!;
  const flags = `${instances > 1 ? ` --instances ${instances}` : ''}${database ? ` --database ${database}` : values.postgres ? ' --postgres' : ''}`;
  process.stdout.write(`\nFAILED: ${report.violations.length} violations; the first at step ${first.step} (${first.op}), invariant ${first.invariant}: ${first.detail}\n`);
  process.stdout.write(`replay: npm run soak -- --seed ${seed} --ops ${first.step}${flags}\n`);
  process.exit(1);
}
process.exit(0);
