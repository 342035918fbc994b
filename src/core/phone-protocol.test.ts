import { describe, expect, it } from 'vitest';
import { parsePhoneDown } from './phone-protocol.ts';
import type { MessageRecord } from './records.ts';

const message: MessageRecord = {
  id: 'm1', sessionId: 's1', seq: 3, role: 'agent', text: 'done', clientId: null, state: null, failure: null, tool: null,
  permission: { permissionId: 'p1', tool: 'Bash', input: '{"command":"ls"}', decision: null, sessionScope: true },
  entry: { kind: 'tool', callId: 'c1', tool: 'Bash', title: null, input: '{}', status: 'done', result: { text: 'a\nb', truncated: false, size: 3, exitCode: 0 }, changes: [] },
  createdAt: 1, updatedAt: 2,
};

describe('phone frames from the server', () => {
  it('accepts each frame the server sends, exactly as sent', () => {
    const frames = [
      { type: 'welcome', protocol: 1, cursor: 0 },
      { type: 'changed', cursor: 12 },
      { type: 'message', message },
      { type: 'message', message: { ...message, role: 'user', state: 'held', heldUntil: 99, clientId: 'k1', permission: null, entry: undefined } },
      { type: 'message', message: { ...message, state: 'failed', failure: { code: 'hold-expired', detail: '' }, entry: { kind: 'plan', planId: 'p', items: [{ text: 'x', status: 'in-progress' }] } } },
      { type: 'pong' },
      { type: 'error', code: 'unauthorized', message: 'unknown or expired token' },
    ];
    for (const f of frames) {
      const r = parsePhoneDown(JSON.stringify(f));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) expect(r.frame).toEqual(JSON.parse(JSON.stringify(f)));
    }
  });

  it('keeps a frame whose record has a field this client does not know, without that field', () => {
    const r = parsePhoneDown(JSON.stringify({ type: 'message', message: { ...message, reactions: ['+1'] }, hint: 1 }));
    expect(r.ok && r.frame).toEqual({ type: 'message', message });
  });

  it('refuses what is not JSON, not a known frame, or a frame with a wrong field, saying which', () => {
    const bad: [string, RegExp][] = [
      ['{"type":"welcome"', /not JSON/],
      ['null', /a frame that does not match/],
      [JSON.stringify({ type: 'teleport' }), /does not match/],
      [JSON.stringify({ type: 'changed', cursor: 'soon' }), /a "changed" frame .* at cursor/],
      [JSON.stringify({ type: 'message', message: { ...message, seq: undefined } }), /a "message" frame .* at message\.seq/],
      [JSON.stringify({ type: 'message', message: { ...message, role: 'robot' } }), /at message\.role/],
      [JSON.stringify({ type: 'message', message: { ...message, entry: { kind: 'tool', callId: 'c1' } } }), /at message\.entry/],
      [JSON.stringify({ type: 'message', message: { ...message, permission: { permissionId: 'p1' } } }), /at message\.permission/],
      [JSON.stringify({ type: 'error', code: 'made-up', message: '' }), /a "error" frame .* at code/],
    ];
    for (const [text, why] of bad) {
      const r = parsePhoneDown(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.why, text).toMatch(why);
    }
  });
});
