// Fixed seeds so every failure replays. fast-check prints `seed` and `path` with a counterexample;
// `FUZZ_SEED=<seed> npx vitest run test/fuzz` runs the same sequence again (every property uses this one seed).
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_805);

/** More runs per property for a longer hunt: `FUZZ_RUNS_SCALE=10 npx vitest run test/fuzz`. */
export const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.FUZZ_RUNS_SCALE ?? 1)));

/** Runs an async property with the fixed seed; the error names the seed and how to replay it. */
export async function check<T>(arb: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(fc.asyncProperty(arb, predicate), {
    seed: FUZZ_SEED,
    numRuns: runs(numRuns),
    reporter: (out) => {
      if (out.failed) throw new Error(`${fc.defaultReportMessage(out)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}\nreplay: FUZZ_SEED=${out.seed} npx vitest run test/fuzz`);
    },
  });
}

/** A test's time limit, stretched with FUZZ_RUNS_SCALE. */
export const timeLimit = (ms: number) => Math.round(ms * Math.max(1, Number(process.env.FUZZ_RUNS_SCALE ?? 1)));
