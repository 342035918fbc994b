// Agent output: what it does to the session (its turn ending, the vendor retrying, a permission asked) and the
// transcript lines it adds. Each event arrives here once (the server dedupes by event id).
import { assertNever } from '../availability.ts';
import type { RetryNotice } from '../turn.ts';
import type { MachineEvent } from './events.ts';
import { inTurn } from './deliveries.ts';
import { append, moveMessage, patch, type Draft } from './draft.ts';
import type { SessionFacts } from './snapshot.ts';

export function onAgentEvent(d: Draft, { eventId, event }: Extract<MachineEvent, { type: 'agent-event' }>): void {
  const now = d.world.now;
  // The vendor moved on (or ended the turn): its retry notice no longer holds.
  const retryCleared: Partial<SessionFacts> = d.session.agentRetry !== null && event.kind !== 'retry' ? { agentRetry: null } : {};
  const line = { eventId, tool: null, permission: null };
  switch (event.kind) {
    case 'turn-end': {
      // "A turn end answers only what this agent took": a message whose agent went away before answering stays delivered.
      const failure = event.failure;
      for (const m of inTurn(d)) {
        if (failure) moveMessage(d, m.id, { type: 'turn-failed', code: failure.code }, failure.detail);
        else moveMessage(d, m.id, { type: 'turn-ended' });
      }
      return patch(d, { lastActivityAt: now, ...retryCleared });
    }
    case 'retry': {
      const notice: RetryNotice = { attempt: event.attempt, maxAttempts: event.maxAttempts, detail: event.detail, retryInMs: event.retryInMs, at: now };
      return patch(d, { agentRetry: notice });
    }
    case 'text':
      return append(d, { ...line, role: 'agent', text: event.text }, retryCleared);
    case 'tool':
      return append(d, { ...line, role: 'tool', text: event.input, tool: event.tool }, retryCleared);
    case 'error':
      return append(d, { ...line, role: 'notice', text: event.text }, retryCleared);
    case 'permission-request': {
      const permission = { permissionId: event.permissionId, tool: event.tool, input: event.input, decision: null };
      append(d, { ...line, role: 'permission', text: `${event.tool}: ${event.input}`, tool: event.tool, permission }, retryCleared);
      return patch(d, { awaitingPermission: true });
    }
    default:
      return assertNever(event);
  }
}
