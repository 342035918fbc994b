// The opt-in suite against the real vendor CLIs (`npm run test:real-clis`); never part of `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/real-clis/**/*.real.ts', 'test/real-clis/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real CLIs are heavy (Claude's binary is ~240 MB) and retry for minutes: one file at a time.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
