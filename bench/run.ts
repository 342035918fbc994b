// `npm run bench [-- --short] [names…]`: every benchmark, one at a time, each in its own process (a crash or a leak
// stays in its run), the PWA built once for both PWA benchmarks; figures merge into bench/results/latest.json
// (short.json for a short run), and the run ends with every budgeted figure in one table.
// `--short` (CI): fewer iterations, no budget judged, only "every benchmark runs". `--summary FILE` writes
// {ran, failed, missed} as JSON for scripts/test-all.sh.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ORDER = ['fanout', 'catchup', 'resume', 'cluster', 'direct-sessions', 'socket-deflate', 'slow-readers', 'pwa-weight', 'pwa-paint'];
const args = process.argv.slice(2);
const short = args.includes('--short');
const summaryAt = args.indexOf('--summary');
const summaryFile = summaryAt >= 0 ? args[summaryAt + 1] : undefined;
const names = args.filter((a, i) => !a.startsWith('--') && !(summaryAt >= 0 && i === summaryAt + 1));
const unknown = names.filter((n) => !ORDER.includes(n));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ORDER.join(', ')}\n`);
  process.exit(2);
}
const chosen = names.length ? ORDER.filter((n) => names.includes(n)) : ORDER;

// Set before the modules that read it load: mode.ts reads BATON_BENCH_SHORT once.
if (short) process.env.BATON_BENCH_SHORT = '1';
const runId = randomUUID();
const { buildApp } = await import('./lib/build.ts');
const { REPO, RESULTS, tableLines } = await import('./lib/report.ts');
type Saved = { runId?: string; title: string; figures: import('./lib/report.ts').Figure[] };

const started = Date.now();
const build = chosen.some((n) => n.startsWith('pwa-')) ? buildApp() : null;
const failed: string[] = [];
try {
  for (const name of chosen) {
    const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.mjs'), join(REPO, 'bench', `${name}.ts`)], {
      cwd: REPO, stdio: 'inherit',
      env: { ...process.env, BATON_BENCH_RUN_ID: runId, ...(short ? { BATON_BENCH_SHORT: '1' } : {}), ...(build ? { BATON_BENCH_DIST: build.dir } : {}) },
      timeout: 300_000, // no single benchmark may hang the run
    });
    if (r.status !== 0) failed.push(name);
  }
} finally {
  build?.dispose();
}

// Every figure with a budget or a baseline from this run, in one table.
let saved: Record<string, Saved> = {};
try {
  saved = (JSON.parse(readFileSync(RESULTS, 'utf8')) as { benchmarks: Record<string, Saved> }).benchmarks;
} catch {
  saved = {};
}
const judged = chosen.flatMap((name) => {
  const b = saved[name];
  if (!b || b.runId !== runId) return [];
  return b.figures.filter((f) => f.budget || f.baseline).map((f) => ({ ...f, label: `${name}: ${f.label.trim()}` }));
});
const missed = judged.filter((f) => f.verdict === 'miss' || f.verdict === 'missing').map((f) => f.label);
const out = [`\n== Summary${short ? ' (short run: budgets not judged)' : ''} ==`, ...tableLines(judged)];
const s = (n: number) => (n === 1 ? '' : 's');
out.push('', `bench: ${chosen.length - failed.length} of ${chosen.length} benchmark${s(chosen.length)} ran in ${((Date.now() - started) / 1000).toFixed(0)} s` +
  (short ? '' : `; ${judged.filter((f) => f.verdict === 'pass').length} budget${s(judged.length)} met, ${missed.length} missed`) +
  `; results in ${RESULTS.replace(`${REPO}/`, '')}${failed.length ? `; FAILED to run: ${failed.join(', ')}` : ''}`);
process.stdout.write(`${out.join('\n')}\n`);
if (summaryFile) writeFileSync(summaryFile, `${JSON.stringify({ ran: chosen.length - failed.length, failed, missed: short ? [] : missed })}\n`);
// A miss is a finding, not a crash: only a benchmark that could not run fails the command.
process.exitCode = failed.length ? 1 : 0;
