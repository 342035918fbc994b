// The generic acp driver (an agent command the machine configures) against the fake `gemini --acp`, plus its configuration.
import { describe, expect, it } from 'vitest';
import { NOT_CONFIGURED, createConfiguredAcpDriver, splitCommandLine } from '../../src/machine/providers/acp/index.ts';
import { createDrivers, resolveCommand } from '../../src/machine/providers/registry.ts';
import { describeBackendContract, fakeFixture } from './backend-contract.ts';

const SLOW_MS = 400;

// The configured command line is the driver's whole "command": an agent and its arguments.
describeBackendContract(
  'acp (configured agent: gemini --acp)',
  async () => {
    // Gemini as a configured agent needs `authenticate` like the preset does it: the user names the method.
    const fx = await fakeFixture('gemini', createConfiguredAcpDriver, { slowMs: SLOW_MS, timeoutMs: 10_000, extraEnv: { BATON_ACP_AUTH_METHOD: 'gemini-api-key' } });
    const makeDriver: typeof fx.makeDriver = (o = {}) => fx.makeDriver({ ...o, command: o.command ?? 'gemini --acp' });
    return { ...fx, makeDriver, driver: makeDriver() };
  },
  { resumable: true, mismatchDetectedAt: 'resume', slowMs: SLOW_MS, listsDirect: false },
);

describe('acp configuration', () => {
  it('without the auth method it needs, a resume fails with the agent’s words (never a new session)', async () => {
    const fx = await fakeFixture('gemini', createConfiguredAcpDriver, { timeoutMs: 10_000 });
    try {
      const driver = fx.makeDriver({ command: 'gemini --acp' });
      const started = await driver.start({ cwd: fx.cwd, title: 'x' });
      if (!started.ok) throw new Error(started.detail);
      await started.handle.stop();
      const outcome = await driver.resume({ vendorId: started.handle.vendorId, cwd: fx.cwd });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-error', detail: 'session/load failed: Authentication required (-32000)' });
      expect((await fx.record()).map((l) => l.event)).toEqual(['created']);
      expect(await fx.livePids()).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('splits a command line like a shell does for words and quotes', () => {
    expect(splitCommandLine(`my-agent --acp --model "big one" 'it''s' a\\ b`)).toEqual(['my-agent', '--acp', '--model', 'big one', 'its', 'a b']);
    expect(splitCommandLine('   ')).toEqual([]);
  });

  it('with no agent configured the backend says how to configure one and starts nothing', async () => {
    const driver = createConfiguredAcpDriver({ command: '', env: {}, timeoutMs: 1000 });
    expect(await driver.checkDependencies()).toEqual({ installed: false, version: null, canResume: false, detail: NOT_CONFIGURED });
    expect(await driver.start({ cwd: '/', title: 'x' })).toEqual({ ok: false, code: 'dependency-missing', detail: NOT_CONFIGURED });
    expect(await driver.resume({ vendorId: 'x' as never, cwd: '/' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });

  it('the registry hands the acp backend BATON_ACP_AGENT, and nothing found on PATH', async () => {
    expect(resolveCommand('acp', { BATON_ACP_AGENT: 'my-agent --acp', PATH: '/usr/bin:/bin' })).toBe('my-agent --acp');
    expect(resolveCommand('acp', { PATH: '/usr/bin:/bin' })).toBe('');
    const { drivers } = await createDrivers({ env: {}, backends: ['acp', 'gemini-acp'] });
    expect(drivers.get('acp')).toMatchObject({ backend: 'acp', provider: 'acp', supportsResume: true });
    expect(drivers.get('gemini-acp')).toMatchObject({ backend: 'gemini-acp', provider: 'gemini' });
  });
});
