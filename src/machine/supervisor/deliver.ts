// `deliver`: write a message to the session's agent once, ever (a repeat re-acks, never re-writes), ack it, and
// only then pass on what the agent said about it. A write that fails stops the agent and says why.
import { isMessageFailureCode, type MachineDown } from '../../core/index.ts';
import type { Supervision } from './context.ts';
import { settleAttempt } from './resume.ts';

export async function deliverMessage(sup: Supervision, f: Extract<MachineDown, { type: 'deliver' }>): Promise<void> {
  const { store, send, agents } = sup;
  const ack = () => send({ type: 'ack', sessionId: f.sessionId, messageId: f.messageId });
  if (store.isDelivered(f.sessionId, f.messageId)) return ack();
  const live = agents.get(f.sessionId);
  if (!live) return send({ type: 'stopped', sessionId: f.sessionId, reason: 'exited', detail: 'the agent is not running on this machine' });
  store.markDelivered(f.sessionId, f.messageId);
  live.held = [];
  const firstTurnOf = live.firstTurnOf;
  live.firstTurnOf = null;
  try {
    await live.handle.send(f.text);
  } catch (e) {
    // Not written: forget it so a later deliver after a resume can write it. The agent is stopped and the
    // stop reported with the driver's reason (e.g. Claude revealing another session id only at its first
    // turn after a resume: that message is failed, never adopted into a fork).
    store.unmarkDelivered(f.sessionId, f.messageId);
    const code = (e as { code?: unknown }).code;
    const why = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
    send({ type: 'deliver-failed', sessionId: f.sessionId, messageId: f.messageId, code: isMessageFailureCode(code) ? code : 'agent-exited', detail: why });
    const detail = `${typeof code === 'string' ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}`;
    sup.log.warn(`deliver ${f.messageId} to ${f.sessionId} failed: ${detail}`);
    // The vendor named another session at the first turn after a resume we had reported: that resume did not
    // reopen the session after all, and the attempt says so (the phone shows "last resume failed").
    if (firstTurnOf !== null && code === 'vendor-id-mismatch') settleAttempt(sup, firstTurnOf, { ok: false, sessionId: f.sessionId, code, detail: why });
    live.held = null;
    if (agents.detach(f.sessionId, live)) send({ type: 'stopped', sessionId: f.sessionId, reason: 'crashed', detail: detail.slice(0, 2000) });
    await live.handle.stop().catch(() => {});
    return;
  }
  ack();
  agents.release(f.sessionId, live);
}
