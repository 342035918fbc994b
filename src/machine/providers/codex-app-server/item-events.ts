// Codex app-server items as Baton entries: `commandExecution` (output streamed, exit code), `fileChange` (the
// patch of each file), MCP and web-search calls, agent text streamed by delta, and the turn's plan. Shapes as
// Codex 0.171.0 sends them (docs/vendor-protocols.md; `codex app-server generate-ts` prints the schema).
import { fileChange, inputText, toolResult, type FileChange, type PlanStatus } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';

type Json = Record<string, any>;
type ToolCall = Extract<DriverEvent, { kind: 'tool-call' }>;

/** How often a running command's output, or streaming text, is sent on (the phone needs progress, not every byte). */
export const PROGRESS_EVERY_MS = 400;

const planStatus = (s: unknown): PlanStatus => (s === 'completed' ? 'done' : s === 'inProgress' ? 'in-progress' : 'pending');

/** A file change of Codex's: an update's `diff` is a unified hunk; an added file's `diff` is its whole text. */
export function codexChange(c: Json): FileChange {
  const path = String(c.path ?? '');
  const kind = c.kind?.type;
  const diff = typeof c.diff === 'string' ? c.diff : '';
  if (kind === 'add') return fileChange({ path, kind: 'add', before: null, after: diff });
  if (kind === 'delete') return fileChange({ path, kind: 'delete', before: diff || null, after: null });
  const movePath = typeof c.kind?.move_path === 'string' ? c.kind.move_path : undefined;
  return fileChange({ path, kind: movePath ? 'move' : 'edit', ...(movePath ? { movePath } : {}), patch: diff });
}

/** What Codex shows for an approval of a file change: the item's changes (the request itself names only the item). */
export function changesInput(changes: readonly Json[]): Json {
  return { changes: changes.map((c) => ({ path: c.path, kind: c.kind?.type ?? 'update', ...(c.kind?.move_path ? { movePath: c.kind.move_path } : {}), diff: c.diff })) };
}

/** A command item's tool call as it stands. */
function commandCall(item: Json, output: string): ToolCall {
  const status = item.status === 'completed' ? 'done' : item.status === 'inProgress' ? 'running' : 'failed';
  const exitCode = typeof item.exitCode === 'number' ? item.exitCode : null;
  const text = typeof item.aggregatedOutput === 'string' ? item.aggregatedOutput : output;
  const result = status === 'running' ? (output ? toolResult(output) : null) : toolResult(item.status === 'declined' && !text ? 'declined' : text, exitCode);
  return {
    kind: 'tool-call', callId: String(item.id).slice(0, 200), tool: 'Bash', title: null,
    input: inputText({ command: item.command, cwd: item.cwd }).text, status, result, changes: [],
  };
}

function toolOf(item: Json, output: string): ToolCall | null {
  const status = (s: unknown) => (s === 'completed' ? 'done' : s === 'inProgress' ? 'running' : 'failed');
  const callId = String(item.id ?? '').slice(0, 200);
  if (!callId) return null;
  switch (item.type) {
    case 'commandExecution':
      return commandCall(item, output);
    case 'fileChange': {
      const changes = (Array.isArray(item.changes) ? item.changes : []).slice(0, 50);
      return {
        kind: 'tool-call', callId, tool: 'Edit', title: null, input: inputText(changesInput(changes)).text, status: status(item.status),
        result: item.status === 'declined' ? toolResult('declined') : null, changes: changes.map(codexChange),
      };
    }
    case 'mcpToolCall': {
      const r = item.result ?? item.error;
      const text = r ? (Array.isArray(r.content) ? r.content.map((c: Json) => (typeof c.text === 'string' ? c.text : JSON.stringify(c))).join('\n') : String(r.message ?? JSON.stringify(r))) : '';
      return {
        kind: 'tool-call', callId, tool: String(item.tool ?? 'tool').slice(0, 200), title: null,
        input: inputText(item.arguments ?? {}).text, status: status(item.status), result: text ? toolResult(text) : null, changes: [],
      };
    }
    case 'webSearch':
      return { kind: 'tool-call', callId, tool: 'WebSearch', title: null, input: inputText({ query: item.query ?? '' }).text, status: 'done', result: null, changes: [] };
    default:
      return null;
  }
}

export interface ItemTracker {
  /** A notification of Codex's; returns what to tell the phone now. */
  notify(method: string, params: Json): DriverEvent[];
  /** The file changes of an item, for its approval request. */
  changesOf(itemId: string): Json[] | undefined;
  /** What progress is due (output, text), when the throttle's timer fires. */
  flushProgress(): DriverEvent[];
}

/** `schedule(fn)` runs fn once after PROGRESS_EVERY_MS (the session's timer; tests pass their own). */
export function createItemTracker(schedule: (fn: () => void) => void, onProgress: (events: DriverEvent[]) => void): ItemTracker {
  const items = new Map<string, Json>();
  const outputs = new Map<string, string>();
  const texts = new Map<string, string>();
  const dirty = new Set<string>();
  let armed = false;
  const arm = (id: string) => {
    dirty.add(id);
    if (armed) return;
    armed = true;
    schedule(() => {
      armed = false;
      onProgress(flush());
    });
  };
  const flush = (): DriverEvent[] => {
    const out: DriverEvent[] = [];
    for (const id of dirty) {
      const item = items.get(id);
      if (item?.type === 'agentMessage') out.push({ kind: 'text', text: (texts.get(id) ?? '').slice(0, 100_000), partId: id.slice(0, 200) });
      else if (item) {
        const call = toolOf(item, outputs.get(id) ?? '');
        if (call) out.push(call);
      }
    }
    dirty.clear();
    return out;
  };
  return {
    changesOf: (itemId) => items.get(itemId)?.changes,
    flushProgress: flush,
    notify(method, params) {
      switch (method) {
        case 'item/started': {
          const item: Json = params.item ?? {};
          if (typeof item.id !== 'string') return [];
          items.set(item.id, item);
          if (item.type === 'agentMessage') return [];
          const call = toolOf(item, '');
          return call ? [call] : [];
        }
        case 'item/commandExecution/outputDelta': {
          const id = String(params.itemId ?? '');
          if (!items.has(id)) return [];
          outputs.set(id, ((outputs.get(id) ?? '') + String(params.delta ?? '')).slice(-64_000));
          arm(id);
          return [];
        }
        case 'item/fileChange/patchUpdated': {
          const item = items.get(String(params.itemId ?? ''));
          if (!item || !Array.isArray(params.changes)) return [];
          item.changes = params.changes;
          arm(item.id);
          return [];
        }
        case 'item/agentMessage/delta': {
          const id = String(params.itemId ?? '');
          if (!items.has(id)) items.set(id, { type: 'agentMessage', id });
          texts.set(id, (texts.get(id) ?? '') + String(params.delta ?? ''));
          arm(id);
          return [];
        }
        case 'item/completed': {
          const item: Json = params.item ?? {};
          if (typeof item.id !== 'string') return [];
          dirty.delete(item.id);
          const seen = items.has(item.id);
          items.set(item.id, item);
          if (item.type === 'agentMessage') {
            const text = typeof item.text === 'string' ? item.text : (texts.get(item.id) ?? '');
            texts.delete(item.id);
            // Text that streamed gets its final form under the same part; text that did not is a plain message.
            if (text.length === 0) return [];
            return [{ kind: 'text', text: text.slice(0, 100_000), ...(seen ? { partId: item.id.slice(0, 200), final: true } : {}) }];
          }
          const call = toolOf(item, outputs.get(item.id) ?? '');
          outputs.delete(item.id);
          return call ? [call] : [];
        }
        case 'turn/plan/updated': {
          const steps = Array.isArray(params.plan) ? params.plan : [];
          return [{
            kind: 'plan', planId: `plan-${String(params.turnId ?? 'turn').slice(0, 190)}`,
            items: steps.slice(0, 100).map((s: Json) => ({ text: String(s.step ?? '').slice(0, 2_000), status: planStatus(s.status) })),
          }];
        }
        default:
          return [];
      }
    },
  };
}
