// Turns OpenCode bus events for one session into Baton agent events (text, tool use, permission, turn end).
import { LIMITS, asPermissionId, inputText, type PlanStatus, type TurnFailureCode } from '../../../core/index.ts';
import type { DriverEvent } from '../backend.ts';
import type { OpencodeEvent } from './sse-client.ts';
import { createPartThrottle, toolCallOf } from './tool-parts.ts';

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
const planStatus = (s: unknown): PlanStatus => (s === 'completed' ? 'done' : s === 'in_progress' ? 'in-progress' : 'pending');
/** Bookkeeping tools: their list comes as `todo.updated`, shown as a checklist, not as tool cards. */
const TODO_TOOLS = new Set(['todowrite', 'todoread']);

export interface EventMapper {
  map(event: OpencodeEvent): DriverEvent[];
  /** A turn was sent: the next idle ends it. */
  turnStarted(): void;
  /** The user asked to abort the turn: however it ends now, it ends interrupted. */
  interruptRequested(): void;
}

/**
 * How a `session.error` ends a turn. Seen with OpenCode 1.18.33: abort mid-answer → `MessageAbortedError`;
 * a model call it retried 5 times (offline, overloaded) → `APIError` with `isRetryable: true`; a request the
 * provider refused → `APIError` with `isRetryable: false` and its status code.
 */
export function classifySessionError(error: Record<string, unknown>): TurnFailureCode {
  const data = obj(error.data);
  const status = typeof data.statusCode === 'number' ? data.statusCode : 0;
  if (error.name === 'MessageAbortedError') return 'interrupted';
  if (error.name === 'ProviderAuthError' || status === 401 || status === 403) return 'auth-failed';
  if (data.isRetryable === true || status === 429 || status >= 500) return 'vendor-gave-up';
  return 'turn-failed';
}

export function createEventMapper(sessionId: string): EventMapper {
  const roles = new Map<string, string>(); // message id → 'user' | 'assistant'
  const texts = new Map<string, { text: string; done: boolean }>(); // text part id → latest text
  const toolsSeen = new Set<string>(); // tool part ids already reported
  const throttle = createPartThrottle();
  let turns = 0;
  const permissionsSeen = new Set<string>();
  let turnOpen = false;
  // Servers that report `session.status` say `busy` before a turn's idle. Until the open turn was busy, an idle
  // is the previous turn's late duplicate (`session.status idle` and `session.idle` both come) and ends nothing.
  let speaksStatus = false;
  let busySeen = false;
  // Assistant messages of turns already ended: after an abort OpenCode still finishes their text parts, which are not news.
  const closed = new Set<string>();
  let interrupted = false;
  let failure: { code: TurnFailureCode; detail: string } | null = null; // how the open turn ended, once OpenCode said

  const flushTexts = (): DriverEvent[] => {
    const out: DriverEvent[] = [];
    for (const [id, t] of texts) {
      if (!t.done && t.text.trim() !== '') out.push({ kind: 'text', text: clip(t.text) });
      texts.delete(id);
    }
    return out;
  };
  const permission = (id: string | undefined, tool: string, input: unknown, extra: { description?: string; sessionScope?: boolean; sessionScopeDetail?: string; callId?: string } = {}): DriverEvent[] => {
    if (!id || permissionsSeen.has(id)) return [];
    permissionsSeen.add(id);
    const text = inputText(input);
    return [{ kind: 'permission-request', permissionId: asPermissionId(id), tool, input: text.text, ...(text.truncated ? { inputTruncated: true } : {}), ...extra }];
  };

  return {
    turnStarted() {
      turnOpen = true;
      turns++;
      busySeen = false;
      interrupted = false;
      failure = null;
    },
    interruptRequested() {
      if (turnOpen) interrupted = true;
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
          if (closed.has(String(part.messageID))) return [];
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
            if (TODO_TOOLS.has(str(part.tool) ?? '')) return [];
            const call = toolCallOf(part, toolName(str(part.tool) ?? ''));
            if (!call || !throttle(call)) return [];
            // Text before the tool's first report is its own message, ahead of the card.
            const before = toolsSeen.has(id) ? [] : flushTexts();
            toolsSeen.add(id);
            return [...before, call];
          }
          return [];
        }
        case 'todo.updated': {
          if (properties.sessionID !== sessionId) return [];
          const todos = Array.isArray(properties.todos) ? properties.todos : [];
          // One checklist per turn, updated in place as OpenCode revises it.
          return [{ kind: 'plan', planId: `todo-${turns}`, items: todos.slice(0, 100).map((t) => ({ text: (str(obj(t).content) ?? '').slice(0, 2_000), status: planStatus(obj(t).status) })) }];
        }
        // Current servers ask with `permission.asked`; older ones with `permission.updated`.
        case 'permission.asked': {
          if (properties.sessionID !== sessionId) return [];
          const patterns = Array.isArray(properties.patterns) ? properties.patterns.filter((p): p is string => typeof p === 'string') : [];
          const always = Array.isArray(properties.always) ? properties.always.filter((p): p is string => typeof p === 'string') : [];
          // What is approved: the permission, the patterns it covers and what OpenCode says about it (the command, an edit's diff).
          const input = { permission: properties.permission, patterns, ...obj(properties.metadata) };
          const callId = str(obj(properties.tool).callID);
          return [...flushTexts(), ...permission(str(properties.id), toolName(str(properties.permission) ?? ''), input, {
            ...(always.length > 0 ? { sessionScope: true, sessionScopeDetail: `${toolName(str(properties.permission) ?? '')} ${always.join(', ')}`.slice(0, 2_000) } : {}),
            ...(callId ? { callId: callId.slice(0, 200) } : {}),
          })];
        }
        case 'permission.updated': {
          if (properties.sessionID !== sessionId) return [];
          const input = { type: properties.type, pattern: properties.pattern, title: properties.title, ...obj(properties.metadata) };
          return [...flushTexts(), ...permission(str(properties.id), toolName(str(properties.type) ?? ''), input, str(properties.title) ? { description: str(properties.title)!.slice(0, 4_000) } : {})];
        }
        case 'session.error': {
          if (properties.sessionID !== undefined && properties.sessionID !== sessionId) return [];
          const error = obj(properties.error);
          const message = str(obj(error.data).message) ?? str(error.name) ?? 'the agent reported an error';
          // Inside a turn the error is how the turn ends (said once, typed, with the turn end); outside one it is news.
          if (!turnOpen) return [{ kind: 'error', text: clip(message) }];
          failure = { code: classifySessionError(error), detail: message.slice(0, 2_000) };
          return [];
        }
        case 'session.status':
        case 'session.idle': {
          if (properties.sessionID !== sessionId) return [];
          const status = obj(properties.status);
          if (type === 'session.status') speaksStatus = true;
          if (type === 'session.status' && (status.type === 'busy' || status.type === 'retry')) busySeen = true;
          if (type === 'session.status' && status.type === 'retry') {
            // `{type:"retry", attempt, message, next}`: OpenCode failed a model call and tries again at `next` (epoch ms).
            if (!turnOpen) return [];
            const attempt = typeof status.attempt === 'number' && status.attempt >= 1 ? Math.floor(status.attempt) : 1;
            const next = typeof status.next === 'number' ? Math.max(0, Math.round(status.next - Date.now())) : null;
            return [{ kind: 'retry', attempt, maxAttempts: null, detail: (str(status.message) ?? '').slice(0, 1_000), retryInMs: next }];
          }
          if (type === 'session.status' && status.type !== 'idle') return [];
          // Servers send both `session.status idle` and `session.idle`; one turn ends once.
          if (!turnOpen || (speaksStatus && !busySeen)) return [];
          turnOpen = false;
          for (const [id, role] of roles) if (role === 'assistant') closed.add(id);
          // An abort before the model answered ends the turn with no session.error at all: still an interrupt.
          const ended = interrupted ? { code: 'interrupted' as const, detail: failure?.detail ?? 'the turn was aborted' } : failure;
          return [...flushTexts(), ended ? { kind: 'turn-end', failure: ended } : { kind: 'turn-end' }];
        }
        default:
          return [];
      }
    },
  };
}
