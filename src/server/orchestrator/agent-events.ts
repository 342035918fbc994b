// Agent output, applied once per event id (daemons re-send after reconnects): what it does to the session goes
// through `step`, and the transcript lines it adds are stored by `appendTranscript` (src/server/store/transcript.ts).
import type { AgentEvent, SessionId } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import type { SessionLoop } from './session-loop.ts';

export function applyAgentEvent(ctx: ServerContext, loop: SessionLoop, tx: Tx, machineId: string, sessionId: SessionId, eventId: string, event: AgentEvent): void {
  const e = { type: 'agent-event', eventId, event } as const;
  const before = loop.load(sessionId, e, { machineId });
  if (!before) return ctx.log(`ignored message from ${machineId} about session ${sessionId} it does not own`);
  if (!ctx.stores.seenEvents.markSeen(sessionId, eventId)) return;
  loop.apply(tx, before, e);
}
