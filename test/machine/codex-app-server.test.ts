// The codex-app-server driver against the fake codex CLI: the backend contract plus Codex-specific strictness.
import { describe, expect, it } from 'vitest';
import { createCodexAppServerDriver } from '../../src/machine/providers/codex-app-server/index.ts';
import { asVendorId } from '../../src/core/index.ts';
import { describeBackendContract, EventLog, fakeFixture } from './backend-contract.ts';

const SLOW_MS = 600;

const codexFixture = () => fakeFixture('codex', createCodexAppServerDriver, { slowMs: SLOW_MS });

describeBackendContract('codex-app-server', codexFixture, { resumable: true, mismatchDetectedAt: 'resume', slowMs: SLOW_MS });

describe('codex-app-server specifics', () => {
  it('an unknown thread id is vendor-not-found, with codex\'s own words, and the fake records the refusal', async () => {
    const fx = await codexFixture();
    try {
      const outcome = await fx.driver.resume({ vendorId: asVendorId('01990000-0000-7000-8000-000000000000'), cwd: fx.cwd });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-not-found' });
      if (!outcome.ok) expect(outcome.detail).toContain('no rollout found for thread id 01990000-0000-7000-8000-000000000000');
      expect((await fx.record()).map((l) => l.event)).toEqual(['resume-refused']);
      expect(await fx.livePids()).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('crash on a turn ends the handle with an exit event carrying the stderr tail', async () => {
    const fx = await codexFixture();
    try {
      const start = await fx.driver.start({ cwd: fx.cwd, title: 't' });
      if (!start.ok) throw new Error(start.detail);
      await fx.setFaults(['crash-on-turn']);
      const log = new EventLog(start.handle);
      await expect(start.handle.send('boom')).rejects.toThrow();
      const exit = await log.next('exit');
      expect(exit.code).toBe(1);
      expect(exit.detail).toContain('crash-on-turn');
    } finally {
      await fx.cleanup();
    }
  });
});
