// Starts the slowest test files first. Two workers share a run; a long file that starts last makes the run as long
// as it alone (a fresh clone has no duration cache, so vitest would order by file size, and the soak is a small file).
// A file missing from the list just runs in vitest's own order; a renamed one only loses its head start.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Slowest first, as measured in a full run here (seconds on 2 cores under the run's own load). */
const SLOWEST = [
  'test/cluster/soak-two-instances.test.ts', // 44 (Postgres pass)
  'test/integration/many-sessions.test.ts', // 38 on Postgres, 5 on SQLite
  'test/chaos/soak.test.ts', // 34
  'test/integration/backends.test.ts', // 25
  'test/fuzz/http-api.test.ts', // 23
  'test/server/push-restart.test.ts', // 17 on Postgres
  'test/machine/gemini-acp.test.ts', // 15
  'test/integration/daemon-lifecycle.test.ts', // 13 on Postgres, 6 on SQLite
  'test/cluster/across-instances.test.ts', // 11
  'test/layers/check-layers.test.ts', // 10
  'test/cli/doctor.test.ts', // 10
];

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOWEST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return i === -1 ? SLOWEST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
