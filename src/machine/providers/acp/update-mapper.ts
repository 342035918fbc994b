// Turns ACP `session/update` notifications of one prompt turn into Baton agent events.
import { LIMITS, fileChange, inputText, toolResult, type FileChange, type PlanStatus } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';
import { summarizeToolInput } from '../shared/tool-input.ts';

type Json = Record<string, unknown>;

// ACP tool calls carry a `kind`; the phone shows the tool names users know from the other agents.
const KIND_NAMES: Record<string, string> = {
  read: 'Read', edit: 'Edit', delete: 'Delete', move: 'Move', search: 'Search', execute: 'Bash', think: 'Think', fetch: 'Fetch',
};

/** The tool a tool call is about, and the one line of input a person wants to see (its title: a path, a command). */
export function describeToolCall(call: Json): { tool: string; input: string } {
  const kind = typeof call.kind === 'string' ? call.kind : 'other';
  const title = typeof call.title === 'string' ? call.title : '';
  const tool = KIND_NAMES[kind] ?? (title.split(/\s/)[0] || 'tool');
  const input = title !== '' ? summarizeToolInput(title) : summarizeToolInput(call.rawInput);
  return { tool: tool.slice(0, 200), input };
}

type ToolCall = Extract<DriverEvent, { kind: 'tool-call' }>;

/** A tool call's text content (what it printed, its notes) and its diffs, from ACP `content` blocks. */
export function toolContent(content: unknown): { text: string; changes: FileChange[] } {
  const texts: string[] = [];
  const changes: FileChange[] = [];
  for (const c of Array.isArray(content) ? (content as Json[]) : []) {
    if (c?.type === 'content' && (c.content as Json | undefined)?.type === 'text') texts.push(String((c.content as Json).text ?? ''));
    else if (c?.type === 'diff' && typeof c.path === 'string') {
      const before = typeof c.oldText === 'string' ? c.oldText : null;
      changes.push(fileChange({ path: c.path, kind: before === null ? 'add' : 'edit', before, after: typeof c.newText === 'string' ? c.newText : '' }));
    }
  }
  return { text: texts.join('\n'), changes: changes.slice(0, 50) };
}

/** What a permission request approves: the tool call as the agent describes it (title, input, content, places). */
export function permissionInput(call: Json): unknown {
  const { text, changes } = toolContent(call.content);
  return {
    title: call.title ?? null, kind: call.kind ?? null,
    ...(call.rawInput !== undefined ? { rawInput: call.rawInput } : {}),
    ...(text ? { text } : {}),
    ...(changes.length > 0 ? { changes: changes.map((c) => ({ path: c.path, oldText: c.before, newText: c.after })) } : {}),
    ...(Array.isArray(call.locations) && call.locations.length > 0 ? { locations: call.locations } : {}),
  };
}

const planStatus = (s: unknown): PlanStatus => (s === 'completed' ? 'done' : s === 'in_progress' ? 'in-progress' : 'pending');

export interface UpdateMapper {
  map(update: Json): DriverEvent[];
  /** Text still waiting for a boundary (the turn ended, or a tool or permission came next). */
  flush(): DriverEvent[];
}

/**
 * Agent text streams in chunks; it is reported as one text per run of chunks, so the phone gets
 * "allowed: ls" and "echo: …" as two messages when a tool call sits between them. Tool calls (`tool_call`, then
 * `tool_call_update`s with only what changed) are merged per id and reported whole each time. `turn` names this
 * prompt's plan (one checklist per turn).
 */
export function createUpdateMapper(turn = 1): UpdateMapper {
  let text = '';
  const calls = new Map<string, Json>();
  const flush = (): DriverEvent[] => {
    const out: DriverEvent[] = text.trim() === '' ? [] : [{ kind: 'text', text: text.slice(0, LIMITS.messageTextChars) }];
    text = '';
    return out;
  };
  const report = (call: Json): ToolCall => {
    const { tool } = describeToolCall(call);
    const { text: out, changes } = toolContent(call.content);
    const status = call.status === 'completed' ? 'done' : call.status === 'failed' ? 'failed' : 'running';
    const exit = (call.rawOutput as Json | undefined)?.exitCode;
    return {
      kind: 'tool-call', callId: String(call.toolCallId).slice(0, 200), tool, title: typeof call.title === 'string' ? call.title.slice(0, 2_000) : null,
      input: inputText(call.rawInput ?? (typeof call.title === 'string' ? { title: call.title } : {})).text, status,
      result: out || status !== 'running' ? toolResult(out, typeof exit === 'number' ? exit : null) : null, changes,
    };
  };
  return {
    flush,
    map(update) {
      switch (update.sessionUpdate) {
        case 'agent_message_chunk': {
          const content = update.content as Json | undefined;
          if (content?.type === 'text' && typeof content.text === 'string') text += content.text;
          return [];
        }
        case 'tool_call':
        case 'tool_call_update': {
          const id = String(update.toolCallId ?? '');
          if (!id) return [];
          const first = !calls.has(id);
          // An update carries only what changed: merge it over what the call said so far.
          const call = { ...(calls.get(id) ?? {}), ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined && v !== null)) };
          calls.set(id, call);
          return [...(first ? flush() : []), report(call)];
        }
        case 'plan': {
          const entries = Array.isArray(update.entries) ? (update.entries as Json[]) : [];
          return [{ kind: 'plan', planId: `plan-${turn}`, items: entries.slice(0, 100).map((e) => ({ text: String(e.content ?? '').slice(0, 2_000), status: planStatus(e.status) })) }];
        }
        // Thoughts, command lists and the user's own chunks are not messages.
        default:
          return [];
      }
    },
  };
}
