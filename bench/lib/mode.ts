// Full or short run: `npm run bench -- --short` (CI) runs every benchmark with fewer iterations and judges no budget.
export const SHORT = process.env.BATON_BENCH_SHORT === '1';

/** The full run's size, or the short run's. */
export const sized = <T>(full: T, short: T): T => (SHORT ? short : full);
