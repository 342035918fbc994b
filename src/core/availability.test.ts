import { describe, expect, it } from 'vitest';
import { BLOCK_REASONS, evaluateAvailability, type AvailabilityFacts } from './availability.ts';

const laptop: NonNullable<AvailabilityFacts['machine']> = { name: 'laptop', online: true, lastSeenAt: 1, capabilities: { 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } } };
const resumable: AvailabilityFacts = {
  managed: true, archived: false, status: 'inactive', backend: 'claude-stream', vendorResumeId: 'abc',
  resumeInFlight: false, disabledBackends: [], machine: laptop,
};

describe('availability', () => {
  it('is resumable when nothing fails, live when active on an online machine, resuming while an attempt is in flight', () => {
    expect(evaluateAvailability(resumable)).toEqual({ state: 'resumable' });
    expect(evaluateAvailability({ ...resumable, status: 'active' })).toEqual({ state: 'live' });
    expect(evaluateAvailability({ ...resumable, resumeInFlight: true })).toEqual({ state: 'resuming' });
  });

  type Breaker = Omit<Partial<AvailabilityFacts>, 'machine'> & { machine?: Partial<typeof laptop> };
  const breakers: Record<(typeof BLOCK_REASONS)[number], Breaker> = {
    'not-managed': { managed: false },
    archived: { archived: true },
    'missing-resume-id': { vendorResumeId: null },
    'backend-unsupported': { backend: 'codex-mcp' },
    'backend-disabled': { disabledBackends: ['claude-stream'] },
    'dependency-missing': { machine: { capabilities: {} } },
    'machine-offline': { machine: { online: false } },
  };

  it.each(BLOCK_REASONS.map((r, i) => [r, i] as const))('blocks with %s, and it wins over every later reason', (reason, index) => {
    const parts = BLOCK_REASONS.slice(index).map((r) => breakers[r]);
    const machine = Object.assign({}, laptop, ...parts.map((p) => p.machine ?? {}));
    const facts: AvailabilityFacts = { ...Object.assign({}, resumable, ...parts), machine };
    const a = evaluateAvailability(facts);
    expect(a.state).toBe('blocked');
    expect(a.state === 'blocked' && a.reason).toBe(reason);
  });

  it('reads a session whose start is in flight as resuming (not missing-resume-id), until its machine goes away', () => {
    const starting: AvailabilityFacts = { ...resumable, vendorResumeId: null, startInFlight: true };
    expect(evaluateAvailability(starting)).toEqual({ state: 'resuming' });
    expect(evaluateAvailability({ ...starting, backend: 'codex-mcp' })).toEqual({ state: 'resuming' });
    expect(evaluateAvailability({ ...starting, archived: true })).toMatchObject({ state: 'blocked', reason: 'archived' });
    expect(evaluateAvailability({ ...starting, machine: { ...laptop, online: false } })).toMatchObject({ state: 'blocked', reason: 'missing-resume-id' });
    expect(evaluateAvailability({ ...starting, startInFlight: false })).toMatchObject({ state: 'blocked', reason: 'missing-resume-id' });
    expect(evaluateAvailability({ ...starting, status: 'active' })).toEqual({ state: 'live' });
  });

  it('keeps a running session live even before its first turn made it resumable', () => {
    expect(evaluateAvailability({ ...resumable, status: 'active', vendorResumeId: null })).toEqual({ state: 'live' });
  });

  it('never treats an archived session as live', () => {
    expect(evaluateAvailability({ ...resumable, status: 'active', archived: true })).toMatchObject({ state: 'blocked', reason: 'archived' });
  });
});
