// Structured agent output as it travels and is stored: tool calls (status, result, file changes), plans, streamed text.
import * as v from 'valibot';
import { LIMITS } from './limits.ts';
import type { AgentEvent } from './machine-protocol.ts';

/** Bounds on one entry, so a transcript page and a socket frame stay small whatever a tool printed. */
export const ENTRY_LIMITS = {
  /** A tool's result text kept for the phone (the rest is counted in `size`, `truncated` set). */
  resultChars: 16_000,
  /** One side of a file change (before, after or patch). */
  changeChars: 40_000,
  changes: 50,
  planItems: 100,
  /** A tool's structured input as JSON text. */
  inputChars: LIMITS.messageTextChars,
  /** Ids vendors give tool calls, plans and text parts. */
  idChars: 200,
} as const;

export const TOOL_STATUSES = ['running', 'done', 'failed'] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];

export const PLAN_STATUSES = ['pending', 'in-progress', 'done'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export const FILE_CHANGE_KINDS = ['edit', 'add', 'delete', 'move'] as const;
export type FileChangeKind = (typeof FILE_CHANGE_KINDS)[number];

const str = (max: number) => v.pipe(v.string(), v.maxLength(max));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const entryId = v.pipe(v.string(), v.minLength(1), v.maxLength(ENTRY_LIMITS.idChars));

/** What a tool gave back: text capped for the phone, with the full size and whether it was cut. */
export const ToolResultSchema = v.strictObject({
  text: str(ENTRY_LIMITS.resultChars),
  truncated: v.boolean(),
  /** Characters of the whole result, before any cut. */
  size: count,
  /** A command's exit code, when the vendor says it. */
  exitCode: v.nullable(v.pipe(v.number(), v.integer())),
});
export type ToolResult = v.InferOutput<typeof ToolResultSchema>;

/**
 * One file a tool changes: the text before and after (a fragment, e.g. Claude's Edit old/new strings), or a
 * unified-diff patch (Codex, OpenCode). The phone draws either as a diff.
 */
export const FileChangeSchema = v.strictObject({
  path: str(4_096),
  kind: v.picklist(FILE_CHANGE_KINDS),
  /** For a move: where the file goes. */
  movePath: v.optional(str(4_096)),
  before: v.nullable(str(ENTRY_LIMITS.changeChars)),
  after: v.nullable(str(ENTRY_LIMITS.changeChars)),
  patch: v.nullable(str(ENTRY_LIMITS.changeChars)),
  /** Something above was cut to fit. */
  truncated: v.boolean(),
});
export type FileChange = v.InferOutput<typeof FileChangeSchema>;

export const PlanItemSchema = v.strictObject({ text: str(2_000), status: v.picklist(PLAN_STATUSES) });
export type PlanItem = v.InferOutput<typeof PlanItemSchema>;

/** A tool call as the agent reports it; every report carries the call's whole state so far (later ones replace it). */
export const ToolCallEventSchema = v.strictObject({
  kind: v.literal('tool-call'),
  /** The vendor's id for the call: reports with the same id update one transcript entry. */
  callId: entryId,
  tool: str(200),
  /** The vendor's own one-line title, when it gives one (ACP `title`, OpenCode's). */
  title: v.nullable(str(2_000)),
  /** The structured input as JSON text (a plain string when the vendor gives no structure). */
  input: str(ENTRY_LIMITS.inputChars),
  status: v.picklist(TOOL_STATUSES),
  result: v.nullable(ToolResultSchema),
  changes: v.pipe(v.array(FileChangeSchema), v.maxLength(ENTRY_LIMITS.changes)),
});

/** A todo list or plan; reports with the same `planId` replace it (Codex sends one per turn as it goes). */
export const PlanEventSchema = v.strictObject({
  kind: v.literal('plan'),
  planId: entryId,
  items: v.pipe(v.array(PlanItemSchema), v.maxLength(ENTRY_LIMITS.planItems)),
});

/** What the phone renders for a message besides its text; stored with the message (`MessageRecord.entry`). */
export type AgentEntry =
  | {
      readonly kind: 'tool';
      readonly callId: string;
      readonly tool: string;
      readonly title: string | null;
      readonly input: string;
      readonly status: ToolStatus;
      readonly result: ToolResult | null;
      readonly changes: readonly FileChange[];
    }
  | { readonly kind: 'plan'; readonly planId: string; readonly items: readonly PlanItem[] }
  /** Agent text still streaming in (Codex deltas); `streaming` false once the vendor finished it. */
  | { readonly kind: 'text'; readonly partId: string; readonly streaming: boolean };

/** Text cut to `max` characters, with how long it was: what every result and change goes through. */
export function capText(text: string, max: number): { text: string; truncated: boolean; size: number } {
  return text.length <= max ? { text, truncated: false, size: text.length } : { text: text.slice(0, max), truncated: true, size: text.length };
}

/** A tool's result for the wire from whatever text it gave (and an exit code, when there is one). */
export function toolResult(text: string, exitCode: number | null = null): ToolResult {
  const c = capText(text, ENTRY_LIMITS.resultChars);
  return { text: c.text, truncated: c.truncated, size: c.size, exitCode };
}

/** A file change for the wire, each side capped. */
export function fileChange(f: { path: string; kind: FileChangeKind; movePath?: string; before?: string | null; after?: string | null; patch?: string | null }): FileChange {
  const side = (s: string | null | undefined) => (s === null || s === undefined ? { text: null, truncated: false } : capText(s, ENTRY_LIMITS.changeChars));
  const before = side(f.before);
  const after = side(f.after);
  const patch = side(f.patch);
  return {
    path: f.path.slice(0, 4_096), kind: f.kind, ...(f.movePath ? { movePath: f.movePath.slice(0, 4_096) } : {}),
    before: before.text, after: after.text, patch: patch.text, truncated: before.truncated || after.truncated || patch.truncated,
  };
}

/** A tool's structured input as the JSON text the wire carries (a string stays itself), cut to the limit. */
export function inputText(input: unknown): { text: string; truncated: boolean } {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = JSON.stringify(input ?? {}) ?? '{}';
    } catch {
      text = String(input);
    }
  }
  const c = capText(text, ENTRY_LIMITS.inputChars);
  return { text: c.text, truncated: c.truncated };
}

/** The input of a tool call back as a value: the parsed JSON object, or null when it is plain text (or was cut). */
export function parseToolInput(input: string): Record<string, unknown> | null {
  if (!input.startsWith('{')) return null;
  try {
    const v = JSON.parse(input) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const SUMMARY_KEYS = ['command', 'cmd', 'file_path', 'filePath', 'absolute_path', 'path', 'pattern', 'url', 'query', 'prompt', 'title', 'description'] as const;

function summaryOf(obj: Record<string, unknown>): string | null {
  // ACP wraps the tool's own arguments in `rawInput`.
  const raw = obj.rawInput;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const inner = summaryOf(raw as Record<string, unknown>);
    if (inner !== null) return inner;
  }
  for (const k of SUMMARY_KEYS) {
    const value = obj[k];
    if (typeof value === 'string' && value) return value;
    if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string')) return value.join(' ');
  }
  const changes = obj.changes;
  if (Array.isArray(changes) && changes.length > 0) return changes.map((c) => (c && typeof c === 'object' ? String((c as { path?: unknown }).path ?? '') : String(c))).join(', ');
  return null;
}

/** The one line a list, a notification or a terminal shows for a tool input: its command, its path, … or the text. */
export function summarizeInput(input: string): string {
  const obj = parseToolInput(input);
  return obj ? (summaryOf(obj) ?? input) : input;
}

/** The agent events that carry structure: each updates one transcript entry (by call, plan or text part). */
export type EntryEvent = Extract<AgentEvent, { kind: 'tool-call' | 'plan' }> | (Extract<AgentEvent, { kind: 'text' }> & { partId: string });

export function isEntryEvent(event: AgentEvent): event is EntryEvent {
  return event.kind === 'tool-call' || event.kind === 'plan' || (event.kind === 'text' && event.partId !== undefined);
}
