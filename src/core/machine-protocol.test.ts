import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MachineDownSchema, MachineUpSchema } from './machine-protocol.ts';
import { PhoneUpSchema } from './phone-protocol.ts';

describe('wire schemas', () => {
  it('accepts each well-formed machine message', () => {
    const ups = [
      { type: 'hello', protocol: 1, token: 't', name: 'laptop', capabilities: { 'claude-stream': { installed: true, version: '2.0', canResume: true, detail: null } }, sessions: [{ sessionId: 's1', vendorResumeId: null, running: false }] },
      { type: 'heartbeat' },
      { type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: true, vendorResumeId: 'v1' },
      { type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: false, code: 'vendor-not-found', detail: 'gone' },
      { type: 'ack', sessionId: 's1', messageId: 'm1' },
      { type: 'agent-event', sessionId: 's1', eventId: 'e1', event: { kind: 'text', text: 'hi' } },
    ];
    for (const up of ups) expect(v.safeParse(MachineUpSchema, up).success, JSON.stringify(up)).toBe(true);
    expect(v.safeParse(MachineDownSchema, { type: 'deliver', sessionId: 's1', messageId: 'm1', text: 'x' }).success).toBe(true);
  });

  it('refuses unknown fields, unknown types, unknown codes and bad ids', () => {
    const bad = [
      { type: 'heartbeat', extra: 1 },
      { type: 'teleport' },
      { type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: false, code: 'made-up', detail: '' },
      { type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: true, vendorResumeId: 'has space' },
      { type: 'ack', sessionId: '', messageId: 'm1' },
      { type: 'agent-event', sessionId: 's1', eventId: 'e1', event: { kind: 'text' } },
    ];
    for (const up of bad) expect(v.safeParse(MachineUpSchema, up).success, JSON.stringify(up)).toBe(false);
    expect(v.safeParse(PhoneUpSchema, { type: 'hello', protocol: '1' }).success).toBe(false);
  });
});
