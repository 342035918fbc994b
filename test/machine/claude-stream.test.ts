// The claude-stream driver against the fake claude CLI: the backend contract plus Claude-specific strictness.
import { describe, expect, it } from 'vitest';
import { createClaudeStreamDriver } from '../../src/machine/providers/claude-stream/index.ts';
import { asVendorId } from '../../src/core/index.ts';
import { describeBackendContract, EventLog, fakeFixture, turn } from './backend-contract.ts';

const SLOW_MS = 600;

const claudeFixture = () => fakeFixture('claude', createClaudeStreamDriver, { slowMs: SLOW_MS });

describeBackendContract('claude-stream', claudeFixture, { resumable: true, mismatchDetectedAt: 'resume', slowMs: SLOW_MS });

describe('claude-stream specifics', () => {
  it('resume without a transcript is vendor-not-found and spawns nothing', async () => {
    const fx = await claudeFixture();
    try {
      const outcome = await fx.driver.resume({ vendorId: asVendorId('0b7f6a5e-0000-4000-8000-000000000000'), cwd: fx.cwd });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-not-found' });
      expect(await fx.record()).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('the laptop resumes in the same cwd only: the transcript lives under that cwd\'s project folder', async () => {
    const fx = await claudeFixture();
    try {
      const start = await fx.driver.start({ cwd: fx.cwd, title: 't' });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      await turn(start.handle, log, 'first');
      await log.next('persisted');
      await start.handle.stop();
      const elsewhere = await fx.driver.resume({ vendorId: start.handle.vendorId, cwd: fx.fake.home });
      expect(elsewhere).toMatchObject({ ok: false, code: 'vendor-not-found' });
    } finally {
      await fx.cleanup();
    }
  });

  it('crash on a turn ends the handle with an exit event carrying the stderr tail', async () => {
    const fx = await claudeFixture();
    try {
      const start = await fx.driver.start({ cwd: fx.cwd, title: 't' });
      if (!start.ok) throw new Error(start.detail);
      await fx.setFaults(['crash-on-turn']);
      const log = new EventLog(start.handle);
      await start.handle.send('boom').catch(() => {});
      const exit = await log.next('exit');
      expect(exit.code).toBe(1);
      expect(exit.detail).toContain('crash-on-turn');
    } finally {
      await fx.cleanup();
    }
  });
});
