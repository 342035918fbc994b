import { describe, expect, it } from 'vitest';
import { RESUME_FAILURE_CODES, resumeTransition } from './resume-attempt.ts';

describe('resume attempt state machine', () => {
  it('settles a pending attempt once, as resumed or failed with its code', () => {
    expect(resumeTransition({ state: 'pending', code: null }, { type: 'resumed' })).toEqual({ ok: true, state: { state: 'resumed', code: null } });
    for (const code of RESUME_FAILURE_CODES) {
      expect(resumeTransition({ state: 'pending', code: null }, { type: 'failed', code })).toEqual({ ok: true, state: { state: 'failed', code } });
    }
  });

  it('a resume the vendor revealed at its first turn to be another session becomes failed vendor-id-mismatch', () => {
    for (const state of ['resumed', 'resumed-late'] as const) {
      expect(resumeTransition({ state, code: null }, { type: 'failed', code: 'vendor-id-mismatch' })).toEqual({ ok: true, state: { state: 'failed', code: 'vendor-id-mismatch' } });
    }
  });

  it('refuses any other change to a settled attempt', () => {
    expect(resumeTransition({ state: 'resumed', code: null }, { type: 'failed', code: 'timeout' }).ok).toBe(false);
    expect(resumeTransition({ state: 'failed', code: 'vendor-id-mismatch' }, { type: 'failed', code: 'vendor-id-mismatch' }).ok).toBe(false);
    expect(resumeTransition({ state: 'resumed', code: null }, { type: 'resumed' }).ok).toBe(false);
    expect(resumeTransition({ state: 'resumed-late', code: 'timeout' }, { type: 'resumed' }).ok).toBe(false);
  });

  it('records a late success only after the server itself gave up (timeout or disconnect)', () => {
    expect(resumeTransition({ state: 'failed', code: 'timeout' }, { type: 'resumed' })).toEqual({ ok: true, state: { state: 'resumed-late', code: 'timeout' } });
    expect(resumeTransition({ state: 'failed', code: 'machine-disconnected' }, { type: 'resumed' })).toEqual({ ok: true, state: { state: 'resumed-late', code: 'machine-disconnected' } });
    // Regression guard: a vendor that said "not found" or forked can never be turned into a success.
    for (const code of ['vendor-not-found', 'vendor-id-mismatch', 'vendor-error', 'dependency-missing'] as const) {
      expect(resumeTransition({ state: 'failed', code }, { type: 'resumed' }).ok).toBe(false);
    }
  });
});
