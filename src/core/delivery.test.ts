import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES, deliveryTransition, type DeliveryEvent, type DeliveryState } from './delivery.ts';

// Every (state, event) pair, with the state it must lead to or null when it must be refused.
const table: Record<DeliveryState, Record<DeliveryEvent['type'], DeliveryState | null>> = {
  held: { release: 'accepted', 'await-resume': null, 'resume-succeeded': null, acked: null, 'turn-ended': null, 'turn-failed': null, 'turn-lost': null, fail: 'failed' },
  accepted: { release: null, 'await-resume': 'awaiting-resume', 'resume-succeeded': null, acked: 'delivered', 'turn-ended': null, 'turn-failed': null, 'turn-lost': null, fail: 'failed' },
  'awaiting-resume': { release: null, 'await-resume': null, 'resume-succeeded': 'accepted', acked: null, 'turn-ended': null, 'turn-failed': null, 'turn-lost': null, fail: 'failed' },
  delivered: { release: null, 'await-resume': null, 'resume-succeeded': null, acked: 'delivered', 'turn-ended': 'answered', 'turn-failed': 'unanswered', 'turn-lost': 'unanswered', fail: null },
  answered: { release: null, 'await-resume': null, 'resume-succeeded': null, acked: 'answered', 'turn-ended': 'answered', 'turn-failed': null, 'turn-lost': null, fail: null },
  unanswered: { release: null, 'await-resume': null, 'resume-succeeded': null, acked: 'unanswered', 'turn-ended': null, 'turn-failed': 'unanswered', 'turn-lost': 'unanswered', fail: null },
  failed: { release: null, 'await-resume': null, 'resume-succeeded': null, acked: null, 'turn-ended': null, 'turn-failed': null, 'turn-lost': null, fail: null },
};

const event = (type: DeliveryEvent['type']): DeliveryEvent =>
  type === 'fail' ? { type, code: 'timeout' } : type === 'turn-failed' ? { type, code: 'auth-failed' } : { type };

describe('delivery state machine', () => {
  for (const from of DELIVERY_STATES) {
    for (const [type, to] of Object.entries(table[from]) as [DeliveryEvent['type'], DeliveryState | null][]) {
      it(`${from} + ${type} → ${to ?? 'refused'}`, () => {
        const r = deliveryTransition(from, event(type));
        if (to === null) expect(r.ok).toBe(false);
        else expect(r).toEqual({ ok: true, state: to });
      });
    }
  }

  it('never lets a message awaiting resume be delivered before the resume succeeded', () => {
    expect(deliveryTransition('awaiting-resume', { type: 'acked' }).ok).toBe(false);
  });

  it('never writes a held message to an agent without going through accepted (the strict-resume path) first', () => {
    expect(deliveryTransition('held', { type: 'acked' }).ok).toBe(false);
    expect(deliveryTransition('held', { type: 'resume-succeeded' }).ok).toBe(false);
  });

  it('releases a held message once only', () => {
    for (const from of DELIVERY_STATES.filter((s) => s !== 'held')) expect(deliveryTransition(from, { type: 'release' }).ok).toBe(false);
  });

  it('never revives a failed message: the user resends it explicitly', () => {
    for (const type of ['release', 'await-resume', 'resume-succeeded', 'acked', 'turn-ended', 'turn-failed'] as const) {
      expect(deliveryTransition('failed', event(type)).ok).toBe(false);
    }
  });

  it('never marks answered a message whose turn ended without an answer, and never un-delivers it', () => {
    expect(deliveryTransition('delivered', { type: 'turn-failed', code: 'interrupted' })).toEqual({ ok: true, state: 'unanswered' });
    expect(deliveryTransition('unanswered', { type: 'turn-ended' }).ok).toBe(false);
    expect(deliveryTransition('unanswered', { type: 'fail', code: 'timeout' }).ok).toBe(false);
  });
});
