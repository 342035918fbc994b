// What every vendor history reader shares: entries as the phone shows them, JSON lines read without
// loading a whole transcript as one string, and the page (or not-found) made from everything said.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { historyText, pageOf, type HistoryEntry } from '../../../core/index.ts';
import type { HistoryOutcome, HistoryRequest } from '../backend.ts';
import { summarizeToolInput } from './tool-input.ts';

export type Said = Omit<HistoryEntry, 'index'>;

export function said(role: Said['role'], text: string, at: unknown): Said {
  const when = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
  return { role, ...historyText(text.trim()), at: Number.isFinite(when) && when >= 0 ? Math.floor(when) : null };
}

/** A tool use as one line: its name and the part of its input that says what it did (the command, the path). */
export function toolSaid(name: unknown, input: unknown, at: unknown): Said {
  const summary = summarizeToolInput(input, 500);
  return said('tool', `${String(name ?? 'tool')}${summary ? ` ${summary}` : ''}`, at);
}

/** Each line of a JSONL file parsed (lines that are not JSON are skipped, as the vendors' own readers do). */
export async function* jsonLines(path: string): AsyncGenerator<Record<string, any>> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) yield v as Record<string, any>;
    } catch {
      // a torn last line while the vendor writes, or a line that is not ours to read
    }
  }
}

/** Text parts of a content value (a string, or an array of `{type: 'text'|'input_text'|'output_text', text}` parts). */
export function textParts(content: unknown, types: readonly string[] = ['text', 'input_text', 'output_text']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => p && typeof p === 'object' && typeof p.text === 'string' && (p.type === undefined || types.includes(p.type)))
    .map((p) => p.text as string)
    .join('\n');
}

/** The page asked for, from everything said; `found` null means the vendor has no such session here. */
export async function historyOf(request: HistoryRequest, read: () => Promise<Said[] | null>, where: string): Promise<HistoryOutcome> {
  let all: Said[] | null;
  try {
    all = await read();
  } catch (e) {
    return { ok: false, code: 'vendor-error', detail: `could not read ${where}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 2000) };
  }
  if (all === null) return { ok: false, code: 'vendor-not-found', detail: `no session ${request.vendorId} in ${where}` };
  return { ok: true, page: pageOf(all.filter((e) => e.text.length > 0), request.before, request.limit) };
}
