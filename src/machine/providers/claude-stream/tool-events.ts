// Claude's tool traffic as Baton entries: `tool_use` blocks open a call, `tool_result` (with the CLI's structured
// `tool_use_result`) closes it with its output, exit code or diff; the task tools become one checklist per turn.
// Shapes as Claude Code 2.1.197 prints them (docs/vendor-protocols.md).
import { fileChange, inputText, toolResult, type FileChange, type PlanItem, type PlanStatus } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';

type Json = Record<string, any>;

/** Bookkeeping tools: shown as the checklist they maintain, not as tool cards. */
const TASK_TOOLS = new Set(['TaskCreate', 'TaskUpdate', 'TaskList', 'TaskGet', 'TodoWrite']);

const planStatus = (s: unknown): PlanStatus => (s === 'completed' ? 'done' : s === 'in_progress' ? 'in-progress' : 'pending');

/** Claude's structured patch hunks (`{oldStart, oldLines, newStart, newLines, lines}`) as unified-diff text. */
export function hunksToPatch(hunks: unknown): string | null {
  if (!Array.isArray(hunks) || hunks.length === 0) return null;
  return hunks
    .map((h: Json) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n${(Array.isArray(h.lines) ? h.lines : []).join('\n')}`)
    .join('\n');
}

/** What an edit tool's input says it will change (before the tool ran: the phone draws it as a diff). */
export function changesFromInput(tool: string, input: Json): FileChange[] {
  const path = String(input.file_path ?? input.filePath ?? '');
  if (!path) return [];
  switch (tool) {
    case 'Edit':
      return [fileChange({ path, kind: 'edit', before: String(input.old_string ?? ''), after: String(input.new_string ?? '') })];
    case 'MultiEdit':
      return (Array.isArray(input.edits) ? input.edits : []).slice(0, 50).map((e: Json) => fileChange({ path, kind: 'edit', before: String(e.old_string ?? ''), after: String(e.new_string ?? '') }));
    case 'Write':
      return [fileChange({ path, kind: 'add', before: null, after: String(input.content ?? '') })];
    default:
      return [];
  }
}

/** A tool result's text: a string, or the text parts of a content array; the CLI's error wrapper taken off. */
function resultText(content: unknown): string {
  const text = typeof content === 'string'
    ? content
    : Array.isArray(content) ? content.filter((c: Json) => c?.type === 'text').map((c: Json) => String(c.text ?? '')).join('\n') : '';
  return text.replace(/^<tool_use_error>([\s\S]*)<\/tool_use_error>$/, '$1');
}

export interface ToolTracker {
  /** An assistant `tool_use` block. */
  toolUse(block: Json): DriverEvent[];
  /** A user line's `tool_result` block, with the line's `tool_use_result` (the CLI's structured result). */
  toolResult(block: Json, structured: unknown): DriverEvent[];
  /** A turn ended: the next task change starts a new checklist in the transcript. */
  turnEnded(): void;
}

export function createToolTracker(): ToolTracker {
  const calls = new Map<string, { tool: string; input: Json; text: string }>();
  const tasks = new Map<string, { text: string; status: PlanStatus }>();
  let turn = 1;
  const plan = (): DriverEvent => ({
    kind: 'plan', planId: `tasks-${turn}`,
    items: [...tasks.values()].slice(0, 100).map((t): PlanItem => ({ text: t.text.slice(0, 2_000), status: t.status })),
  });
  return {
    turnEnded() {
      turn++;
    },
    toolUse(block) {
      const id = String(block.id ?? '');
      const tool = String(block.name ?? 'tool').slice(0, 200);
      const input: Json = block.input && typeof block.input === 'object' ? block.input : {};
      if (!id) return [];
      calls.set(id, { tool, input, text: inputText(input).text });
      if (tool === 'TodoWrite') {
        // The older checklist tool carries the whole list in its input.
        tasks.clear();
        (Array.isArray(input.todos) ? input.todos : []).forEach((t: Json, i: number) => tasks.set(String(i), { text: String(t.content ?? ''), status: planStatus(t.status) }));
        return [plan()];
      }
      if (TASK_TOOLS.has(tool)) return [];
      return [{ kind: 'tool-call', callId: id.slice(0, 200), tool, title: null, input: calls.get(id)!.text, status: 'running', result: null, changes: changesFromInput(tool, input) }];
    },
    toolResult(block, structured) {
      const id = String(block.tool_use_id ?? '');
      const call = calls.get(id);
      if (!call) return [];
      calls.delete(id);
      const s: Json = structured && typeof structured === 'object' ? (structured as Json) : {};
      const failed = block.is_error === true;
      if (TASK_TOOLS.has(call.tool)) {
        if (failed) return [];
        if (call.tool === 'TaskCreate' && s.task?.id !== undefined) tasks.set(String(s.task.id), { text: String(s.task.subject ?? call.input.subject ?? ''), status: 'pending' });
        else if (call.tool === 'TaskUpdate') {
          const taskId = String(s.taskId ?? call.input.taskId ?? '');
          const t = tasks.get(taskId) ?? { text: String(call.input.subject ?? `Task ${taskId}`), status: 'pending' as PlanStatus };
          if (call.input.status === 'deleted') tasks.delete(taskId);
          else tasks.set(taskId, { text: typeof call.input.subject === 'string' ? call.input.subject : t.text, status: s.statusChange?.to ? planStatus(s.statusChange.to) : call.input.status ? planStatus(call.input.status) : t.status });
        } else if (call.tool === 'TaskList' && Array.isArray(s.tasks)) {
          tasks.clear();
          for (const t of s.tasks as Json[]) tasks.set(String(t.id), { text: String(t.subject ?? ''), status: planStatus(t.status) });
        } else if (call.tool !== 'TodoWrite') return [];
        return call.tool === 'TodoWrite' ? [] : [plan()];
      }
      let text = resultText(block.content);
      let exitCode: number | null = null;
      let changes = changesFromInput(call.tool, call.input);
      if (call.tool === 'Bash') {
        // A failed command's result starts "Exit code N"; a good one has the structured stdout and stderr.
        const m = /^Exit code (-?\d+)\n?/.exec(text);
        if (m) {
          exitCode = Number(m[1]);
          text = text.slice(m[0].length);
        } else if (!failed) {
          exitCode = 0;
          if (typeof s.stdout === 'string') text = [s.stdout, s.stderr].filter((x) => typeof x === 'string' && x.length > 0).join('\n');
        }
      }
      const patch = hunksToPatch(s.structuredPatch);
      if (!failed && patch !== null && typeof s.filePath === 'string') changes = [fileChange({ path: s.filePath, kind: 'edit', patch })];
      else if (!failed && s.type === 'create' && typeof s.filePath === 'string') changes = [fileChange({ path: s.filePath, kind: 'add', before: null, after: String(s.content ?? '') })];
      return [{ kind: 'tool-call', callId: id.slice(0, 200), tool: call.tool, title: null, input: call.text, status: failed ? 'failed' : 'done', result: toolResult(text, exitCode), changes }];
    },
  };
}
