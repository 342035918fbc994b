// A short fixed-seed chaos soak inside the normal suite: the real server, two real daemons with the fake vendors,
// phones, and faults; the five invariants hold at every step. The long run is `npm run soak -- --seed 1 --ops 2000`.
import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from './soak.ts';

const SEED = 7;
const OPS = 200;

describe('chaos soak (short, fixed seed)', () => {
  it(`keeps every invariant through ${OPS} random operations and faults (seed ${SEED})`, async () => {
    const log: string[] = [];
    const report = await runSoak({ seed: SEED, ops: OPS, log: (line) => log.push(line) });
    const table = formatReport(report);
    // On failure the message carries the table, the violations and the replay command.
    const why = `${table}\n${log.filter((l) => l.startsWith('VIOLATION') || l.startsWith('replay')).join('\n')}`;
    expect(report.violations, why).toEqual([]);

    // Not vacuous: the run really crashed processes, cut requests, broke vendors, and still delivered messages.
    const faults = report.faults;
    const some = (prefix: string) => Object.entries(faults).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
    expect(some('kill-server'), why).toBeGreaterThan(0);
    expect(some('kill-daemon'), why).toBeGreaterThan(0);
    expect(faults['kill-agent'] ?? 0, why).toBeGreaterThan(0);
    expect(faults['request-cut'] ?? 0, why).toBeGreaterThan(0);
    expect(some('vendor:'), why).toBeGreaterThanOrEqual(5);
    expect(report.messages.answered, why).toBeGreaterThan(20);
    expect(Object.values(report.messages.failed).reduce((a, b) => a + b, 0), why).toBeGreaterThan(0);
    expect(report.resumes.resumed, why).toBeGreaterThan(0);
    expect(report.messages.undecided, why).toBe(0);
  }, 180_000);
});
