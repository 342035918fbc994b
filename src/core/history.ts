// A direct session's history as read from the vendor's own store on its machine: read-only, paged from the newest.
import * as v from 'valibot';

export const HISTORY = {
  /** Entries per page, at most (and the default). */
  pageMax: 50,
  /** Characters of one entry's text; longer ones are cut and marked `truncated`. */
  entryChars: 4_000,
  /** How long the server waits for the machine's answer. */
  timeoutMs: 10_000,
} as const;

/**
 * One thing said in the conversation. `index` is its place among the entries of the whole transcript
 * (0 = first), stable as the vendor appends; pages are asked for with `before = <the oldest index seen>`.
 */
export const HistoryEntrySchema = v.strictObject({
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  role: v.picklist(['user', 'agent', 'tool']),
  text: v.pipe(v.string(), v.maxLength(HISTORY.entryChars)),
  truncated: v.boolean(),
  /** When it was said (ms), when the vendor records it. */
  at: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))),
});
export type HistoryEntry = v.InferOutput<typeof HistoryEntrySchema>;

export const HistoryPageSchema = v.strictObject({
  /** Oldest first. */
  entries: v.pipe(v.array(HistoryEntrySchema), v.maxLength(HISTORY.pageMax)),
  /** Entries older than the first one exist. */
  hasOlder: v.boolean(),
});
export type HistoryPage = v.InferOutput<typeof HistoryPageSchema>;

/** Why a history could not be read: the vendor has no such session here, or reading its store failed. */
export const HISTORY_FAILURE_CODES = ['vendor-not-found', 'vendor-error', 'dependency-missing'] as const;
export type HistoryFailureCode = (typeof HISTORY_FAILURE_CODES)[number];

/** The newest `limit` of `all` before index `before` (all of them when null): what every reader returns. */
export function pageOf(all: readonly Omit<HistoryEntry, 'index'>[], before: number | null, limit: number): HistoryPage {
  const end = Math.max(0, Math.min(all.length, before ?? all.length));
  const start = Math.max(0, end - Math.max(1, Math.min(limit, HISTORY.pageMax)));
  return { entries: all.slice(start, end).map((e, i) => ({ ...e, index: start + i })), hasOlder: start > 0 };
}

/** An entry's text cut to the page limit. */
export function historyText(text: string): { text: string; truncated: boolean } {
  return text.length <= HISTORY.entryChars ? { text, truncated: false } : { text: `${text.slice(0, HISTORY.entryChars - 1)}…`, truncated: true };
}
