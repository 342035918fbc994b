// Prints a benchmark's figures as a table with the budget beside each, and merges them into bench/results/latest.json.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SHORT } from './mode.ts';

export const BENCH_DIR = resolve(import.meta.dirname, '..');
export const REPO = resolve(BENCH_DIR, '..');
/** A short run (CI) writes its own file: it never replaces the figures of the last full run. */
export const RESULTS = join(BENCH_DIR, 'results', SHORT ? 'short.json' : 'latest.json');

/**
 * pass/miss against a budget; info has no budget; missing could not be measured (the note says why);
 * unjudged: a short run (CI) measured it but judges no budget (too few iterations to mean anything).
 */
export type Verdict = 'pass' | 'miss' | 'info' | 'missing' | 'unjudged';

/** What a figure is compared with, measured in the same run on the same machine (so machine speed cancels out). */
export interface Baseline {
  readonly label: string;
  readonly value: number | null;
}

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number | string | null;
  readonly unit?: string;
  readonly baseline?: Baseline;
  /** value ÷ baseline. */
  readonly ratio?: number | null;
  /** The budget as DESIGN.md (or the issue that set it) words it, e.g. "≤ 1.5× baseline". */
  readonly budget?: string;
  readonly verdict: Verdict;
  readonly note?: string;
}

const judge = (ok: boolean | null): Verdict => (ok === null ? 'missing' : SHORT ? 'unjudged' : ok ? 'pass' : 'miss');
const measured = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export function info(id: string, label: string, value: number | string | null, unit = '', note?: string): Figure {
  return { id, label, value, unit, verdict: value === null ? 'missing' : 'info', ...(note ? { note } : {}) };
}

/** A figure held against an upper bound (`value ≤ max`); bytes and counts, which do not depend on the machine's speed. */
export function atMost(id: string, label: string, value: number | null, unit: string, max: number, budget: string, note?: string): Figure {
  return { id, label, value, unit, budget, verdict: judge(measured(value) ? value <= max : null), ...(note ? { note } : {}) };
}

/** A figure held against a lower bound (`value ≥ min`). */
export function atLeast(id: string, label: string, value: number | null, unit: string, min: number, budget: string, note?: string): Figure {
  return { id, label, value, unit, budget, verdict: judge(measured(value) ? value >= min : null), ...(note ? { note } : {}) };
}

/** A yes/no requirement (e.g. "catch-up sends only what changed"). */
export function holds(id: string, label: string, ok: boolean | null, value: number | string | null, unit: string, budget: string, note?: string): Figure {
  return { id, label, value, unit, budget, verdict: judge(ok), ...(note ? { note } : {}) };
}

/** A time held against its same-run baseline: the budget is on the ratio (`value ÷ baseline ≤ maxRatio`). */
export function ratioAtMost(id: string, label: string, value: number | null, baseline: Baseline, unit: string, maxRatio: number, budget: string, note?: string): Figure {
  const ratio = measured(value) && measured(baseline.value) && baseline.value > 0 ? value / baseline.value : null;
  return { id, label, value, unit, baseline, ratio, budget, verdict: judge(ratio === null ? null : ratio <= maxRatio), ...(note ? { note } : {}) };
}

/** The same figure with its same-run baseline and ratio shown beside it (the budget, if any, stays as it was judged). */
export function against(f: Figure, baseline: Baseline): Figure {
  const ratio = typeof f.value === 'number' && measured(baseline.value) && baseline.value > 0 ? f.value / baseline.value : null;
  return { ...f, baseline, ratio };
}

function show(v: Figure['value'] | undefined, unit = ''): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    const abs = Math.abs(v);
    const text = Number.isInteger(v) ? String(v) : abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
    return unit ? `${text} ${unit}` : text;
  }
  return unit ? `${v} ${unit}` : v;
}

const VERDICT_TEXT: Record<Verdict, string> = { pass: 'PASS', miss: 'MISS', info: '', missing: 'MISSING', unjudged: '(short run)' };

/** Columns: figure, same-run baseline, value, ratio, budget, verdict. */
export function tableLines(figures: readonly Figure[]): string[] {
  const rows = figures.map((f) => [
    f.label,
    f.baseline ? show(f.baseline.value, f.unit) : '',
    show(f.value, f.unit),
    f.ratio === undefined ? '' : f.ratio === null ? '—' : `${f.ratio.toFixed(2)}×`,
    f.budget ?? '',
    VERDICT_TEXT[f.verdict],
  ]);
  const head = ['figure', 'baseline', 'value', 'ratio', 'budget', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 2, 3]);
  const line = (r: string[]) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function printTable(title: string, figures: readonly Figure[]): void {
  const out = [`\n== ${title}${SHORT ? ' — short run, budgets not judged' : ''} ==`, ...tableLines(figures)];
  const notes = figures.flatMap((f) => {
    const parts = [f.baseline ? `baseline: ${f.baseline.label}` : '', f.note ?? ''].filter(Boolean);
    return parts.length ? [`  · ${f.label.trim()}: ${parts.join('; ')}`] : [];
  });
  if (notes.length) out.push('', ...notes);
  process.stdout.write(`${out.join('\n')}\n`);
}

export interface BenchResult {
  readonly title: string;
  readonly figures: readonly Figure[];
  readonly meta?: Record<string, unknown>;
}

/** Read-modify-write of latest.json: each benchmark replaces only its own entry (benchmarks run one at a time). */
/** The 1-minute load average when the benchmark started: the machine is shared, and this says how much. */
const loadAtStart = loadavg()[0]!;

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
  benchmarks[name] = { ...result, short: SHORT, runId: process.env.BATON_BENCH_RUN_ID ?? null, loadAverage: { start: loadAtStart, end: loadavg()[0] }, ranAt: new Date(startedAt).toISOString(), seconds: Math.round((Date.now() - startedAt) / 100) / 10 };
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
    process.stdout.write(`(${name}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s; load average ${loadAtStart.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)\n`);
  } catch (err) {
    process.stderr.write(`${name} failed: ${(err as Error).stack ?? err}\n`);
    saveResult(name, { title: name, figures: [info('error', 'benchmark failed', String((err as Error).message ?? err))] }, startedAt);
    process.exitCode = 1;
  }
  // The body stopped everything it started; a stray client handle must not keep the run alive.
  setTimeout(() => process.exit(), 200).unref();
}
