// OpenCode tool parts as Baton tool calls: `pending` → `running` (its output streams in `metadata.output`) →
// `completed` (output, `metadata.exit`, an edit's `metadata.diff`) or `error`. Shapes as OpenCode 1.18.33 sends them.
import { fileChange, inputText, toolResult, type FileChange } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';

type Obj = Record<string, unknown>;
type ToolCall = Extract<DriverEvent, { kind: 'tool-call' }>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** How often a running tool's growing output is sent on. */
export const PART_PROGRESS_MS = 400;

/** A unified diff with OpenCode's `Index:` / `===` / `---` / `+++` header lines taken off (the path is shown apart). */
export function stripDiffHeader(diff: string): string {
  const at = diff.indexOf('\n@@');
  return at >= 0 && /^(Index:|---|===)/.test(diff) ? diff.slice(at + 1) : diff;
}

function changesOf(tool: string, input: Obj, metadata: Obj): FileChange[] {
  const path = str(input.filePath) ?? str(metadata.filepath) ?? '';
  const diff = str(metadata.diff) ?? str(obj(metadata.filediff).patch);
  if (diff && path) return [fileChange({ path, kind: 'edit', patch: stripDiffHeader(diff) })];
  if (tool === 'edit' && path) return [fileChange({ path, kind: 'edit', before: str(input.oldString) ?? '', after: str(input.newString) ?? '' })];
  if (tool === 'write' && path) return [fileChange({ path, kind: 'add', before: null, after: str(input.content) ?? '' })];
  return [];
}

/** A tool part as it stands, or null while it has no input yet (`pending`). */
export function toolCallOf(part: Obj, name: string): ToolCall | null {
  const state = obj(part.state);
  const status = state.status;
  if (status !== 'running' && status !== 'completed' && status !== 'error') return null;
  const tool = str(part.tool) ?? '';
  const input = obj(state.input);
  const metadata = obj(state.metadata);
  const output = status === 'completed' ? (str(state.output) ?? '') : status === 'error' ? (str(state.error) ?? 'the tool failed') : (str(metadata.output) ?? '');
  const exit = typeof metadata.exit === 'number' ? metadata.exit : null;
  return {
    kind: 'tool-call', callId: (str(part.callID) ?? str(part.id) ?? 'call').slice(0, 200), tool: name, title: str(state.title)?.slice(0, 2_000) ?? null,
    // A command that exited non-zero completed as far as OpenCode is concerned; the others call that failed.
    input: inputText(input).text, status: status === 'completed' ? (exit !== null && exit !== 0 ? 'failed' : 'done') : status === 'error' ? 'failed' : 'running',
    result: output || status !== 'running' ? toolResult(output, exit) : null, changes: changesOf(tool, input, metadata),
  };
}

/** Sends a part's state on when it changed, at most every PART_PROGRESS_MS while it runs (its end always). */
export function createPartThrottle(now: () => number = Date.now) {
  const last = new Map<string, { at: number; output: string; status: string }>();
  return (call: ToolCall): boolean => {
    const prev = last.get(call.callId);
    const output = call.result?.text ?? '';
    if (call.status === 'running' && prev && (prev.output === output || now() - prev.at < PART_PROGRESS_MS) && prev.status === 'running') return false;
    last.set(call.callId, { at: now(), output, status: call.status });
    return true;
  };
}
