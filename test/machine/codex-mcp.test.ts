// The codex-mcp driver against the fake `codex mcp-server`: fresh sessions, permissions, and an honest refusal to resume.
import { describe, expect, it } from 'vitest';
import { createCodexMcpDriver } from '../../src/machine/providers/codex-mcp/index.ts';
import { describeBackendContract, EventLog, fakeFixture, turn } from './backend-contract.ts';

const mcpFixture = () => fakeFixture('codex', createCodexMcpDriver, {});

describeBackendContract('codex-mcp', mcpFixture, { resumable: false });

describe('codex-mcp specifics', () => {
  it('a second message continues the same Codex conversation (codex-reply), creating no new one', async () => {
    const fx = await mcpFixture();
    try {
      const start = await fx.driver.start({ cwd: fx.cwd, title: 't' });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      await turn(start.handle, log, 'one');
      const events = await turn(start.handle, log, 'two');
      expect(events).toContainEqual({ kind: 'text', text: 'echo: two' });
      expect((await fx.record()).filter((l) => l.event === 'created')).toHaveLength(1);
      await start.handle.stop();
    } finally {
      await fx.cleanup();
    }
  });

  it('hang on start is a timeout and leaves no process', async () => {
    const fx = await mcpFixture();
    try {
      await fx.setFaults(['hang']);
      const outcome = await fx.makeDriver({ timeoutMs: 500 }).start({ cwd: fx.cwd, title: 't' });
      expect(outcome).toMatchObject({ ok: false, code: 'timeout' });
      expect(await fx.livePids()).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('a Codex without the mcp-server subcommand (like 0.169.0) is dependency-missing, in doctor and on start, and leaves no process', async () => {
    const fx = await mcpFixture();
    try {
      await fx.setFaults(['no-mcp-server']);
      expect(await fx.driver.checkDependencies()).toMatchObject({ installed: false, canResume: false, detail: expect.stringContaining('no `mcp-server` subcommand') });
      const outcome = await fx.driver.start({ cwd: fx.cwd, title: 't' });
      expect(outcome).toMatchObject({ ok: false, code: 'dependency-missing', detail: expect.stringContaining('codex-app-server') });
      expect(await fx.livePids()).toEqual([]);
      expect(await fx.record()).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });
});
