// `npm run soak -- --seed S --ops N`: runs the chaos soak, prints its table, exits 1 on any violation.
import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, ops: { type: 'string', default: '200' }, quiet: { type: 'boolean', default: false } } });
const seed = Number(values.seed);
const ops = Number(values.ops);
if (!Number.isInteger(seed) || !Number.isInteger(ops) || ops < 1) {
  process.stderr.write('usage: npm run soak -- --seed <integer> --ops <positive integer>\n');
  process.exit(2);
}
const report = await runSoak({ seed, ops, log: (line) => (values.quiet && !line.startsWith('VIOLATION') && !line.startsWith('replay') ? undefined : process.stderr.write(`${line}\n`)) });
process.stdout.write(`${formatReport(report)}\n`);
process.stdout.write(`(took ${Math.round(report.elapsedMs / 1000)} s)\n`);
if (report.violations.length > 0) {
  const first = report.violations[0]!;
  process.stdout.write(`\nFAILED: ${report.violations.length} violations; the first at step ${first.step} (${first.op}), invariant ${first.invariant}: ${first.detail}\n`);
  process.stdout.write(`replay: npm run soak -- --seed ${seed} --ops ${first.step}\n`);
  process.exit(1);
}
process.exit(0);
