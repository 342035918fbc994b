import { defineConfig } from 'vitest/config';
import { LongFirstSequencer } from './test/helpers/long-first-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The real-CLI suite is opt-in: `npm run test:real-clis` (vitest.real-clis.config.ts). test/cluster (several
    // instances on one Postgres) runs in the Postgres pass of scripts/test-all.sh, with BATON_TEST_POSTGRES set.
    exclude: ['**/node_modules/**', 'e2e/**', 'test/real-clis/**', ...(process.env.BATON_TEST_POSTGRES ? [] : ['test/cluster/**'])],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests start real servers and processes; two at a time fits a 2-core machine.
    maxWorkers: 2,
    sequence: { sequencer: LongFirstSequencer },
  },
});
