import { createHash } from 'node:crypto';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { PermissionAnswerSchema } from './api.ts';
import { PhoneUpSchema } from './phone-protocol.ts';
import { clip, permissionInputHash, PushSettingsPatchSchema } from './push.ts';
import { sha256Hex } from './sha256.ts';

describe('the permission input hash', () => {
  it('is SHA-256 of the UTF-8 input, as node:crypto computes it, for any string (lone surrogates as U+FFFD)', () => {
    for (const s of ['', 'abc', 'rm -rf build/', 'é ✓ 😀', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'w'.repeat(1000)]) {
      expect(permissionInputHash(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => sha256Hex(s) === createHash('sha256').update(s, 'utf8').digest('hex')));
  });

  it('rides on a permission answer as an optional field, lower-case hex only', () => {
    expect(v.safeParse(PermissionAnswerSchema, { decision: 'allow' }).success).toBe(true);
    expect(v.safeParse(PermissionAnswerSchema, { decision: 'deny', inputHash: permissionInputHash('ls') }).success).toBe(true);
    expect(v.safeParse(PermissionAnswerSchema, { decision: 'allow', inputHash: permissionInputHash('ls').toUpperCase() }).success).toBe(false);
    expect(v.safeParse(PermissionAnswerSchema, { decision: 'allow', inputHash: 'abc' }).success).toBe(false);
  });
});

describe('push wire shapes', () => {
  it('the foreground frame names a session or null, nothing else', () => {
    expect(v.safeParse(PhoneUpSchema, { type: 'foreground', sessionId: 'ses_1' }).success).toBe(true);
    expect(v.safeParse(PhoneUpSchema, { type: 'foreground', sessionId: null }).success).toBe(true);
    expect(v.safeParse(PhoneUpSchema, { type: 'foreground' }).success).toBe(false);
    expect(v.safeParse(PhoneUpSchema, { type: 'foreground', sessionId: 'a b' }).success).toBe(false);
    expect(v.safeParse(PhoneUpSchema, { type: 'foreground', sessionId: null, x: 1 }).success).toBe(false);
  });

  it('settings patches name known kinds only', () => {
    expect(v.safeParse(PushSettingsPatchSchema, { kinds: { permission: false }, previews: true }).success).toBe(true);
    expect(v.safeParse(PushSettingsPatchSchema, { kinds: { gossip: true } }).success).toBe(false);
    expect(v.safeParse(PushSettingsPatchSchema, { kinds: { permission: 'no' } }).success).toBe(false);
  });

  it('clip shortens on a word boundary with an ellipsis, and flattens whitespace', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('alpha beta gamma', 14)).toBe('alpha beta…');
    expect(clip('one two three four five', 12)).toBe('one two thr…'); // no boundary near the end: cut mid-word
    expect(clip('a\n\n b', 10)).toBe('a b');
    expect(clip('x'.repeat(50), 10)).toHaveLength(10);
  });
});
