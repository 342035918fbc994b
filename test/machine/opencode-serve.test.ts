// The opencode-serve driver against the fake `opencode serve` (real processes, real HTTP + SSE on 127.0.0.1).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asVendorId, summarizeInput } from '../../src/core/index.ts';
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

  it('persists at creation: a started session is resumable before any turn, and it is in the store', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await log.next('persisted');
    const db = new Database(join(fx.fake.env.XDG_DATA_HOME!, 'opencode', 'opencode.db'), { readonly: true });
    expect(db.prepare('SELECT id, directory FROM session').all()).toEqual([{ id: started.handle.vendorId, directory: fx.cwd }]);
    db.close();
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
      expect(ask).toMatchObject({ tool: 'Bash' });
      expect(summarizeInput(ask.input)).toBe('ls');
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

  it('listDirect reads the SQLite store of current releases, skipping subagent and archived sessions', async () => {
    fx = await fixture();
    const dir = join(fx.fake.env.XDG_DATA_HOME!, 'opencode');
    await mkdir(dir, { recursive: true });
    const db = new Database(join(dir, 'opencode.db'));
    db.exec('CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT, parent_id TEXT, slug TEXT, directory TEXT, title TEXT, version TEXT, time_created INTEGER, time_updated INTEGER, time_archived INTEGER)');
    const insert = db.prepare('INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run('ses_laptopwork0000000000000', 'global', null, 'x', fx.cwd, 'fix the login bug', '1.2.0', 1_000, 2_000, null);
    insert.run('ses_subagent00000000000000', 'global', 'ses_laptopwork0000000000000', 'y', fx.cwd, 'subtask', '1.2.0', 1_000, 3_000, null);
    insert.run('ses_archived00000000000000', 'global', null, 'z', fx.cwd, 'old work', '1.2.0', 1_000, 4_000, 5_000);
    db.close();
    const direct = await fx.driver.listDirect();
    expect(direct).toEqual([
      { provider: 'opencode', backend: 'opencode-serve', vendorResumeId: 'ses_laptopwork0000000000000', cwd: fx.cwd, title: 'fix the login bug', updatedAt: 2_000 },
    ]);
  });

  // Regression: a session deleted in OpenCode stayed listed as a direct session while an old JSON file of it
  // remained (OpenCode moved its JSON store into opencode.db; the database is the whole truth once it exists).
  it('a session gone from opencode.db leaves the list even if a stale JSON file of it remains', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    await started.handle.stop();
    const legacyDir = join(fx.fake.env.XDG_DATA_HOME!, 'opencode', 'storage', 'session', 'global');
    await mkdir(legacyDir, { recursive: true });
    await writeFile(join(legacyDir, 'ses_migratedlongago00000000.json'), JSON.stringify({ id: 'ses_migratedlongago00000000', directory: fx.cwd, title: 'stale', time: { created: 1, updated: 2 } }));
    expect((await fx.driver.listDirect()).map((d) => d.vendorResumeId)).toEqual([started.handle.vendorId]);
    const db = new Database(join(fx.fake.env.XDG_DATA_HOME!, 'opencode', 'opencode.db'));
    db.prepare('DELETE FROM session WHERE id = ?').run(started.handle.vendorId);
    db.close();
    expect(await fx.driver.listDirect()).toEqual([]);
  });

  // Regression: `--port 0` makes OpenCode try 4096 first (the user's own `opencode` usually lives there), and the
  // server ran without a password, so any local process could drive the session.
  it('the server gets a free port Baton picked (never 4096) and a password every request must carry', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    expect(await turn(started.handle, log, 'hi')).toContainEqual({ kind: 'text', text: 'echo: hi' });
    const served = (await readFile(join(fx.fake.stateDir, 'opencode-serve.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { port: number; password: boolean });
    expect(served).toHaveLength(1);
    expect(served[0]!.port).not.toBe(4096);
    expect(served[0]!.password).toBe(true);
    // Without the password the server answers nothing.
    const res = await fetch(`http://127.0.0.1:${served[0]!.port}/session`);
    expect(res.status).toBe(401);
    await started.handle.stop();
  });

  // Regression: OpenCode's retries (`session.status {type:"retry"}`) were dropped, so the phone showed
  // "delivered" and then nothing; when OpenCode gave up its APIError came as a bare notice, not a typed end.
  it('retries surface as retry events; a turn OpenCode gives up on ends typed vendor-gave-up, said once', async () => {
    fx = await fixture();
    await fx.setFaults(['retry']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    const events = await turn(started.handle, log, 'flaky');
    const retries = events.filter((e) => e.kind === 'retry');
    expect(retries.map((r) => (r as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(retries[0]).toMatchObject({ maxAttempts: null, detail: expect.stringMatching(/^Cannot connect to API/) });
    expect(events.at(-1)).toEqual({ kind: 'turn-end' });
    expect(events).toContainEqual({ kind: 'text', text: 'echo: flaky' });
    await fx.setFaults(['give-up']);
    const from = log.events.length;
    await started.handle.send('offline');
    const end = await log.next('turn-end', from);
    expect(end.failure).toEqual({ code: 'vendor-gave-up', detail: 'Cannot connect to API: Unable to connect. Is the computer able to access the url?' });
    expect(log.kinds(from).filter((k) => k !== 'retry')).toEqual(['turn-end']);
    expect(log.kinds(from).filter((k) => k === 'retry')).toHaveLength(5);
    await started.handle.stop();
  });

  // Regression: an abort ended the turn like an answer (or with OpenCode's "Aborted" as a notice).
  it('an interrupted turn ends typed interrupted, during a retry and mid-answer alike', async () => {
    fx = await fixture({ BATON_FAKE_RETRY_MS: '5000' });
    await fx.setFaults(['give-up']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('stop that');
    await log.next('retry');
    await started.handle.interrupt();
    const end = await log.next('turn-end');
    expect(end.failure?.code).toBe('interrupted');
    expect(log.kinds()).not.toContain('error');
    expect(log.kinds()).not.toContain('text');
    await started.handle.stop();
  });


  it('a missing working directory is cwd-invalid (the contract checks every backend) and starts nothing', async () => {
    fx = await fixture();
    const outcome = await fx.driver.start({ cwd: join(fx.cwd, 'nope'), title: 'x' });
    expect(outcome).toMatchObject({ ok: false, code: 'cwd-invalid' });
    expect(await fx.record()).toEqual([]);
  });
});
