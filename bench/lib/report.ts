// Prints a benchmark's figures as a table with the budget beside each, and merges them into bench/results/latest.json.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const BENCH_DIR = resolve(import.meta.dirname, '..');
export const REPO = resolve(BENCH_DIR, '..');
export const RESULTS = join(BENCH_DIR, 'results', 'latest.json');

/** pass/miss against a budget; info has no budget; missing could not be measured (the note says why). */
export type Verdict = 'pass' | 'miss' | 'info' | 'missing';

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number | string | null;
  readonly unit?: string;
  /** The budget as DESIGN.md words it, e.g. "≤ 50 ms p50". */
  readonly budget?: string;
  readonly verdict: Verdict;
  readonly note?: string;
}

export function info(id: string, label: string, value: number | string | null, unit = '', note?: string): Figure {
  return { id, label, value, unit, verdict: value === null ? 'missing' : 'info', ...(note ? { note } : {}) };
}

/** A figure held against an upper bound (`value ≤ max`). */
export function atMost(id: string, label: string, value: number | null, unit: string, max: number, budget: string, note?: string): Figure {
  const verdict: Verdict = value === null || Number.isNaN(value) ? 'missing' : value <= max ? 'pass' : 'miss';
  return { id, label, value, unit, budget, verdict, ...(note ? { note } : {}) };
}

/** A yes/no requirement (e.g. "catch-up sends only what changed"). */
export function holds(id: string, label: string, ok: boolean | null, value: number | string | null, unit: string, budget: string, note?: string): Figure {
  return { id, label, value, unit, budget, verdict: ok === null ? 'missing' : ok ? 'pass' : 'miss', ...(note ? { note } : {}) };
}

function show(v: Figure['value'], unit = ''): string {
  if (v === null) return '—';
  if (typeof v === 'number') {
    const abs = Math.abs(v);
    const text = Number.isInteger(v) ? String(v) : abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
    return unit ? `${text} ${unit}` : text;
  }
  return unit ? `${v} ${unit}` : v;
}

export function printTable(title: string, figures: readonly Figure[]): void {
  const rows = figures.map((f) => [f.label, show(f.value, f.unit), f.budget ?? '', f.verdict === 'info' ? '' : f.verdict.toUpperCase()]);
  const head = ['figure', 'value', 'budget', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`\n== ${title} ==`, line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  const notes = figures.filter((f) => f.note).map((f) => `  · ${f.label}: ${f.note}`);
  if (notes.length) out.push('', ...notes);
  process.stdout.write(`${out.join('\n')}\n`);
}

export interface BenchResult {
  readonly title: string;
  readonly figures: readonly Figure[];
  readonly meta?: Record<string, unknown>;
}

/** Read-modify-write of latest.json: each benchmark replaces only its own entry (benchmarks run one at a time). */
export function saveResult(name: string, result: BenchResult, startedAt: number): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  let all: { machine?: unknown; benchmarks?: Record<string, unknown> } = {};
  if (existsSync(RESULTS)) {
    try {
      all = JSON.parse(readFileSync(RESULTS, 'utf8'));
    } catch {
      all = {};
    }
  }
  const benchmarks = { ...(all.benchmarks ?? {}) };
  benchmarks[name] = { ...result, ranAt: new Date(startedAt).toISOString(), seconds: Math.round((Date.now() - startedAt) / 100) / 10 };
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(totalmem() / 2 ** 20), platform: process.platform };
  const tmp = `${RESULTS}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ machine, benchmarks }, null, 2)}\n`);
  renameSync(tmp, RESULTS);
}

/**
 * Runs one benchmark as a program: prints its table, saves it, and exits 0 even when a budget is
 * missed (a miss is a finding, not a crash); exits 1 only when the benchmark itself failed.
 */
export async function runBench(name: string, body: () => Promise<BenchResult>): Promise<void> {
  const startedAt = Date.now();
  try {
    const result = await body();
    printTable(result.title, result.figures);
    saveResult(name, result, startedAt);
    process.stdout.write(`(${name}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n`);
  } catch (err) {
    process.stderr.write(`${name} failed: ${(err as Error).stack ?? err}\n`);
    saveResult(name, { title: name, figures: [info('error', 'benchmark failed', String((err as Error).message ?? err))] }, startedAt);
    process.exitCode = 1;
  }
  // The body stopped everything it started; a stray client handle must not keep the run alive.
  setTimeout(() => process.exit(), 200).unref();
}
