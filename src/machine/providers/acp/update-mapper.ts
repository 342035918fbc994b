// Turns ACP `session/update` notifications of one prompt turn into Baton agent events.
import { LIMITS } from '../../../core/index.ts';
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

export interface UpdateMapper {
  map(update: Json): DriverEvent[];
  /** Text still waiting for a boundary (the turn ended, or a tool or permission came next). */
  flush(): DriverEvent[];
}

/**
 * Agent text streams in chunks; it is reported as one text per run of chunks, so the phone gets
 * "allowed: ls" and "echo: …" as two messages when a tool call sits between them.
 */
export function createUpdateMapper(): UpdateMapper {
  let text = '';
  const toolsSeen = new Set<string>();
  const flush = (): DriverEvent[] => {
    const out: DriverEvent[] = text.trim() === '' ? [] : [{ kind: 'text', text: text.slice(0, LIMITS.messageTextChars) }];
    text = '';
    return out;
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
        case 'tool_call': {
          const id = String(update.toolCallId ?? '');
          if (toolsSeen.has(id)) return [];
          toolsSeen.add(id);
          return [...flush(), { kind: 'tool', ...describeToolCall(update) }];
        }
        // Thoughts, plans, command lists, tool progress and the user's own chunks are not messages.
        default:
          return [];
      }
    },
  };
}
