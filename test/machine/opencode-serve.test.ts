// The opencode-serve driver against the fake `opencode serve` (real processes, real HTTP + SSE on 127.0.0.1).
import { mkdir, readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asVendorId } from '../../src/core/index.ts';
import { createOpencodeServeDriver } from '../../src/machine/providers/opencode-serve/index.ts';
import { EventLog, describeBackendContract, fakeFixture, turn } from './backend-contract.ts';

const SLOW_MS = 400;

const fixture = (extraEnv: Record<string, string> = {}) =>
  fakeFixture('opencode', createOpencodeServeDriver, { slowMs: SLOW_MS, timeoutMs: 10_000, extraEnv });

// OpenCode writes a session to its store when it creates it, so even an unused id resumes.
describeBackendContract('opencode-serve', () => fixture(), { resumable: true, mismatchDetectedAt: 'resume', slowMs: SLOW_MS, persistsAfterFirstTurn: false });

describe('opencode-serve specifics', () => {
  let fx: Awaited<ReturnType<typeof fixture>> | null = null;
  afterEach(async () => {
    expect(await fx?.livePids()).toEqual([]);
    await fx?.cleanup();
    fx = null;
  });

  it('persists at creation: a started session is resumable before any turn, and the store file exists', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await log.next('persisted');
    const stored = JSON.parse(await readFile(join(fx.fake.env.XDG_DATA_HOME!, 'opencode', 'storage', 'session', 'global', `${started.handle.vendorId}.json`), 'utf8'));
    expect(stored).toMatchObject({ id: started.handle.vendorId, directory: fx.cwd });
    await started.handle.stop();
    const resumed = await fx.driver.resume({ vendorId: started.handle.vendorId, cwd: fx.cwd });
    if (!resumed.ok) throw new Error(resumed.detail);
    await resumed.handle.stop();
  });

  it('an id OpenCode does not know is vendor-not-found, and the refusal is recorded with no session created', async () => {
    fx = await fixture();
    const outcome = await fx.driver.resume({ vendorId: asVendorId('ses_doesnotexist000000000000'), cwd: fx.cwd });
    expect(outcome).toMatchObject({ ok: false, code: 'vendor-not-found' });
    const lines = await fx.record();
    expect(lines.map((l) => l.event)).toEqual(['resume-refused']);
  });

  it('the user text is not echoed back as agent text, and a crash on a turn rejects the send and exits', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    const events = await turn(started.handle, log, 'phone says hi');
    expect(events.filter((e) => e.kind === 'text')).toEqual([{ kind: 'text', text: 'echo: phone says hi' }]);
    await fx.setFaults(['crash-on-turn']);
    // The fault is read when the server starts, so use a fresh server for it.
    await started.handle.stop();
    const again = await fx.driver.resume({ vendorId: started.handle.vendorId, cwd: fx.cwd });
    if (!again.ok) throw new Error(again.detail);
    const log2 = new EventLog(again.handle);
    await expect(again.handle.send('boom')).rejects.toThrow();
    const exit = await log2.next('exit');
    expect(exit.code).toBe(1);
    expect(exit.detail).toMatch(/code 1/);
  });

  it('an older server (permission.updated, answers on the session route) still round-trips allow and deny', async () => {
    fx = await fixture({ BATON_FAKE_OPENCODE_LEGACY: '1' });
    await fx.setFaults(['permission']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    for (const decision of ['allow', 'deny'] as const) {
      const from = log.events.length;
      await started.handle.send(`phone says ${decision}`);
      const ask = await log.next('permission-request', from);
      expect(ask).toMatchObject({ tool: 'Bash', input: 'ls' });
      await started.handle.answerPermission(ask.permissionId, decision);
      await log.next('turn-end', from);
      expect(log.events.slice(from)).toContainEqual({ kind: 'text', text: decision === 'allow' ? 'allowed: ls' : 'denied: ls' });
    }
    await started.handle.stop();
  });

  it('interrupt while a permission is pending ends the turn without an answer', async () => {
    fx = await fixture();
    await fx.setFaults(['permission']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('never mind');
    await log.next('permission-request');
    await started.handle.interrupt();
    await log.next('turn-end');
    expect(log.kinds()).not.toContain('text');
    await started.handle.stop();
  });

  it('listDirect also reads the SQLite store of newer OpenCode releases, skipping subagent sessions', async () => {
    fx = await fixture();
    const dir = join(fx.fake.env.XDG_DATA_HOME!, 'opencode');
    await mkdir(dir, { recursive: true });
    const db = new Database(join(dir, 'opencode.db'));
    db.exec('CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT, parent_id TEXT, slug TEXT, directory TEXT, title TEXT, version TEXT, time_created INTEGER, time_updated INTEGER)');
    const insert = db.prepare('INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run('ses_laptopwork0000000000000', 'global', null, 'x', fx.cwd, 'fix the login bug', '1.2.0', 1_000, 2_000);
    insert.run('ses_subagent00000000000000', 'global', 'ses_laptopwork0000000000000', 'y', fx.cwd, 'subtask', '1.2.0', 1_000, 3_000);
    db.close();
    const direct = await fx.driver.listDirect();
    expect(direct).toEqual([
      { provider: 'opencode', backend: 'opencode-serve', vendorResumeId: 'ses_laptopwork0000000000000', cwd: fx.cwd, title: 'fix the login bug', updatedAt: 2_000 },
    ]);
  });

  it('a missing working directory is cwd-invalid (the contract checks every backend) and starts nothing', async () => {
    fx = await fixture();
    const outcome = await fx.driver.start({ cwd: join(fx.cwd, 'nope'), title: 'x' });
    expect(outcome).toMatchObject({ ok: false, code: 'cwd-invalid' });
    expect(await fx.record()).toEqual([]);
  });
});
