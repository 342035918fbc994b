// Turns OpenCode bus events for one session into Baton agent events (text, tool use, permission, turn end).
import { LIMITS, asPermissionId } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';
import { summarizeToolInput } from '../shared/tool-input.ts';
import type { OpencodeEvent } from './sse-client.ts';

// OpenCode tool ids are lowercase; the phone shows the names users know from the other agents.
const TOOL_NAMES: Record<string, string> = {
  bash: 'Bash', read: 'Read', edit: 'Edit', write: 'Write', glob: 'Glob', grep: 'Grep', list: 'List', patch: 'Patch',
  webfetch: 'WebFetch', websearch: 'WebSearch', todowrite: 'TodoWrite', todoread: 'TodoRead', task: 'Task', multiedit: 'MultiEdit',
};
export const toolName = (id: string) => TOOL_NAMES[id] ?? (id.length > 0 ? id[0]!.toUpperCase() + id.slice(1) : 'tool');

const clip = (s: string) => s.slice(0, LIMITS.messageTextChars);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
// OpenCode names a file argument `filePath`; the shared summary knows the other agents' keys.
const summarizeInput = (input: unknown) => summarizeToolInput(str(obj(input).filePath) ?? input);

export interface EventMapper {
  map(event: OpencodeEvent): DriverEvent[];
  /** A turn was sent: the next idle ends it. */
  turnStarted(): void;
}

export function createEventMapper(sessionId: string): EventMapper {
  const roles = new Map<string, string>(); // message id → 'user' | 'assistant'
  const texts = new Map<string, { text: string; done: boolean }>(); // text part id → latest text
  const toolsSeen = new Set<string>(); // tool part ids already reported
  const permissionsSeen = new Set<string>();
  let turnOpen = false;

  const flushTexts = (): DriverEvent[] => {
    const out: DriverEvent[] = [];
    for (const [id, t] of texts) {
      if (!t.done && t.text.trim() !== '') out.push({ kind: 'text', text: clip(t.text) });
      texts.delete(id);
    }
    return out;
  };
  const permission = (id: string | undefined, tool: string, input: string): DriverEvent[] => {
    if (!id || permissionsSeen.has(id)) return [];
    permissionsSeen.add(id);
    return [{ kind: 'permission-request', permissionId: asPermissionId(id), tool, input: clip(input) }];
  };

  return {
    turnStarted() {
      turnOpen = true;
    },
    map({ type, properties }) {
      switch (type) {
        case 'message.updated': {
          const info = obj(properties.info);
          if (info.sessionID === sessionId && typeof info.id === 'string' && typeof info.role === 'string') roles.set(info.id, info.role);
          return [];
        }
        case 'message.part.updated': {
          const part = obj(properties.part);
          // Only the agent's own parts: the user's text comes back on the bus too and must not echo as agent text.
          if (part.sessionID !== sessionId || roles.get(String(part.messageID)) !== 'assistant' || part.synthetic === true) return [];
          const id = String(part.id);
          if (part.type === 'text') {
            const prior = texts.get(id);
            if (prior?.done) return [];
            const text = str(part.text) ?? '';
            const finished = obj(part.time).end !== undefined;
            texts.set(id, { text, done: finished });
            return finished && text.trim() !== '' ? [{ kind: 'text', text: clip(text) }] : [];
          }
          if (part.type === 'tool') {
            const state = obj(part.state);
            if (toolsSeen.has(id) || state.status === 'pending' || state.status === undefined) return [];
            toolsSeen.add(id);
            return [...flushTexts(), { kind: 'tool', tool: toolName(str(part.tool) ?? ''), input: summarizeInput(state.input) }];
          }
          return [];
        }
        // Current servers ask with `permission.asked`; older ones with `permission.updated`.
        case 'permission.asked': {
          if (properties.sessionID !== sessionId) return [];
          const patterns = Array.isArray(properties.patterns) ? properties.patterns.filter((p): p is string => typeof p === 'string') : [];
          const input = str(obj(properties.metadata).command) ?? patterns.join(' ');
          return [...flushTexts(), ...permission(str(properties.id), toolName(str(properties.permission) ?? ''), input)];
        }
        case 'permission.updated': {
          if (properties.sessionID !== sessionId) return [];
          const input = str(properties.pattern) ?? str(obj(properties.metadata).command) ?? str(properties.title) ?? '';
          return [...flushTexts(), ...permission(str(properties.id), toolName(str(properties.type) ?? ''), input)];
        }
        case 'session.error': {
          if (properties.sessionID !== undefined && properties.sessionID !== sessionId) return [];
          const error = obj(properties.error);
          const message = str(obj(error.data).message) ?? str(error.name) ?? 'the agent reported an error';
          return [{ kind: 'error', text: clip(message) }];
        }
        case 'session.status':
        case 'session.idle': {
          if (properties.sessionID !== sessionId) return [];
          if (type === 'session.status' && obj(properties.status).type !== 'idle') return [];
          // Servers send both `session.status idle` and `session.idle`; one turn ends once.
          if (!turnOpen) return [];
          turnOpen = false;
          return [...flushTexts(), { kind: 'turn-end' }];
        }
        default:
          return [];
      }
    },
  };
}
