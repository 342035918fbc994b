// The opt-in suite against the real vendor CLIs (`npm run test:real-clis`); never part of `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/real-clis/**/*.test.ts'],
    // Real CLIs start slowly (OpenCode ~2-5 s, Gemini ~2 s) and retry for minutes; files run one at a time.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
