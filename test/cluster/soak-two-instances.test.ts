// A short fixed-seed chaos soak with two server instances on one Postgres (BATON_TEST_POSTGRES: the suite's Postgres
// pass) behind a TCP balancer: daemons and phones on both, instances SIGKILLed on their own and while a message
// crosses them (phone on one, machine on the other) waiting for its ack or its resume. The five invariants hold at
// every step. The long run is `npm run soak -- --seed 1 --ops 400 --instances 2`.
import { describe, expect, it } from 'vitest';
import { TEST_POSTGRES } from '../helpers/test-database.ts';
import { formatReport, runSoak } from '../chaos/soak.ts';

if (!TEST_POSTGRES) throw new Error('test/cluster runs on Postgres: set BATON_TEST_POSTGRES (scripts/test-all.sh does)');

const SEED = 2;
const OPS = 50;

describe('chaos soak, two instances on one Postgres (short, fixed seed)', () => {
  it(`keeps every invariant through ${OPS} random operations and instance kills (seed ${SEED})`, async () => {
    const log: string[] = [];
    const report = await runSoak({ seed: SEED, ops: OPS, instances: 2, postgres: TEST_POSTGRES!, log: (line) => log.push(line) });
    const table = formatReport(report);
    const why = `${table}\n${log.filter((l) => l.startsWith('VIOLATION') || l.startsWith('replay')).join('\n')}`;
    expect(report.violations, why).toEqual([]);

    // Not vacuous: an instance was killed on its own, and kills landed across instances (phone on one, machine on the
    // other) while a message waited for its ack and while a resume was pending (this seed reaches all three).
    const some = (prefix: string) => Object.entries(report.faults).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
    expect(some('kill-instance-A') + some('kill-instance-B'), why).toBeGreaterThan(0);
    expect(report.windows['kill-instance-mid-send: stored, not acked'] ?? 0, why).toBeGreaterThan(0);
    expect(report.windows['kill-instance-during-resume: attempt pending'] ?? 0, why).toBeGreaterThan(0);
    expect(report.messages.answered, why).toBeGreaterThan(10);
    expect(report.resumes.resumed, why).toBeGreaterThan(0);
    expect(report.messages.undecided, why).toBe(0);
  }, 180_000);
});
