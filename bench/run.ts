// `npm run bench`: every benchmark, one at a time, each in its own process (a crash or a leak stays in its run),
// the PWA built once for both PWA benchmarks; figures merge into bench/results/latest.json.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp } from './lib/build.ts';
import { REPO } from './lib/report.ts';

const ORDER = ['fanout', 'catchup', 'resume', 'direct-sessions', 'pwa-weight', 'pwa-paint'];
const only = process.argv.slice(2);
const chosen = only.length ? ORDER.filter((n) => only.includes(n)) : ORDER;

const started = Date.now();
const build = chosen.some((n) => n.startsWith('pwa-')) ? buildApp() : null;
const failed: string[] = [];
try {
  for (const name of chosen) {
    const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.mjs'), join(REPO, 'bench', `${name}.ts`)], {
      cwd: REPO, stdio: 'inherit', env: { ...process.env, ...(build ? { BATON_BENCH_DIST: build.dir } : {}) },
      timeout: 300_000, // no single benchmark may hang the run
    });
    if (r.status !== 0) failed.push(name);
  }
} finally {
  build?.dispose();
}
process.stdout.write(`\nbench: ${chosen.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/results/latest.json${failed.length ? `; FAILED to run: ${failed.join(', ')}` : ''}\n`);
process.exitCode = failed.length ? 1 : 0;
