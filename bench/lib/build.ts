// The built PWA to measure: BATON_BENCH_DIST when set (run.ts builds once for both PWA benchmarks), else a fresh
// `vite build` into a temp dir (never touching dist/, which other work may be serving).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './report.ts';

export interface Build {
  readonly dir: string;
  readonly fresh: boolean;
  dispose(): void;
}

export function buildApp(): Build {
  const given = process.env.BATON_BENCH_DIST;
  if (given) {
    if (!existsSync(join(given, 'index.html'))) throw new Error(`BATON_BENCH_DIST=${given} has no index.html`);
    return { dir: given, fresh: false, dispose: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-dist-'));
  execFileSync(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, fresh: true, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
