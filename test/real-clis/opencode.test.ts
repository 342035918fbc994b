// Strict resume against the real OpenCode 1.18.33 (`opencode serve`), its model a loopback OpenAI-compatible stub.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpencodeClient } from '@opencode-ai/sdk/v2';
import { asVendorId } from '../../src/core/index.ts';
import type { AgentHandle, BackendDriver } from '../../src/machine/providers/backend.ts';
import { createOpencodeServeDriver } from '../../src/machine/providers/opencode-serve/index.ts';
import { startServe } from '../../src/machine/providers/opencode-serve/serve-process.ts';
import { EventLog, turn } from '../machine/backend-contract.ts';
import { groupAlive, openaiStub, pointOpencodeAt, realCli, sandbox, type Sandbox, type Stub } from './lib/real-env.ts';

describe('real OpenCode', () => {
  let box: Sandbox;
  let stub: Stub;
  let driver: BackendDriver;
  let command: string;
  const handles: AgentHandle[] = [];

  beforeAll(async () => {
    command = realCli('opencode');
    box = await sandbox();
    stub = await openaiStub();
    await pointOpencodeAt(box, stub);
    driver = createOpencodeServeDriver({ command, env: box.env, timeoutMs: 60_000 });
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await stub.close();
    await box.cleanup();
  });
  const start = async () => {
    const outcome = await driver.start({ cwd: box.cwd, title: 'real' });
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.detail}`);
    handles.push(outcome.handle);
    return outcome.handle;
  };
  /** The port a running server listens on, read from its command line. */
  const portOf = (pid: number) => Number(/--port\0(\d+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1]);

  it('checkDependencies sees the installed version', async () => {
    expect(await driver.checkDependencies()).toMatchObject({ installed: true, version: '1.18.33', canResume: true });
  });

  it('a missing binary is dependency-missing', async () => {
    const missing = createOpencodeServeDriver({ command: `${box.root}/no-opencode`, env: box.env, timeoutMs: 10_000 });
    expect(await missing.start({ cwd: box.cwd, title: 'x' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });

  it('start in a cwd with @ + # runs on a free port (not 4096) behind a password, answers, and is resumed strictly', async () => {
    stub.mode = 'ok';
    const handle = await start();
    expect(handle.vendorId).toMatch(/^ses_/);
    const port = portOf(handle.pid!);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(4096);
    expect((await fetch(`http://127.0.0.1:${port}/session`)).status).toBe(401);
    const log = new EventLog(handle);
    await log.next('persisted');
    const events = await turn(handle, log, 'hello there');
    expect(events).toContainEqual({ kind: 'text', text: 'hello from stub' });
    expect(events.at(-1)).toEqual({ kind: 'turn-end' });
    await handle.stop();
    expect(groupAlive(handle.pid!)).toBe(false);

    const resumed = await driver.resume({ vendorId: handle.vendorId, cwd: box.cwd });
    if (!resumed.ok) throw new Error(`${resumed.code}: ${resumed.detail}`);
    handles.push(resumed.handle);
    expect(resumed.handle.vendorId).toBe(handle.vendorId);
    const log2 = new EventLog(resumed.handle);
    expect(await turn(resumed.handle, log2, 'again')).toContainEqual({ kind: 'text', text: 'hello from stub' });
    await resumed.handle.stop();
    // Listed from OpenCode's own store, titled by OpenCode, with the cwd as given.
    expect((await driver.listDirect()).find((d) => d.vendorResumeId === handle.vendorId)).toMatchObject({ cwd: box.cwd });
  });

  it('an unknown id is vendor-not-found', async () => {
    expect(await driver.resume({ vendorId: asVendorId('ses_doesnotexist000000000000'), cwd: box.cwd })).toMatchObject({ ok: false, code: 'vendor-not-found' });
  });

  it('a request the model refuses ends the first turn typed turn-failed, with OpenCode’s words', async () => {
    stub.mode = 'bad';
    const handle = await start();
    const log = new EventLog(handle);
    const events = await turn(handle, log, 'refuse me');
    expect(events.at(-1)).toEqual({ kind: 'turn-end', failure: { code: 'turn-failed', detail: 'stub says bad request' } });
    expect(events.filter((e) => e.kind === 'text' || e.kind === 'error')).toEqual([]);
    await handle.stop();
  });

  it('retries show as retry events; an interrupt during them ends the turn interrupted', async () => {
    stub.mode = 'overloaded';
    const handle = await start();
    const log = new EventLog(handle);
    await handle.send('are you there');
    const retry = await log.next('retry', 0, 30_000);
    expect(retry).toMatchObject({ attempt: 1, maxAttempts: null, detail: 'Provider is overloaded' });
    await handle.interrupt();
    expect((await log.next('turn-end', 0, 30_000)).failure?.code).toBe('interrupted');
    await handle.stop();
  });

  it('when OpenCode gives up retrying, the turn ends typed vendor-gave-up (about 90 s)', async () => {
    stub.mode = 'overloaded';
    const handle = await start();
    const log = new EventLog(handle);
    await handle.send('still there');
    const end = await log.next('turn-end', 0, 170_000);
    expect(end.failure).toEqual({ code: 'vendor-gave-up', detail: 'Overloaded' });
    expect(log.events.filter((e) => e.kind === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3, 4, 5]);
    await handle.stop();
  }, 180_000);

  it('takes over a session the real OpenCode made on its own', async () => {
    stub.mode = 'ok';
    // The user's own OpenCode server, outside Baton, makes a session and a turn.
    const served = await startServe({ command, env: box.env, timeoutMs: 60_000 }, box.cwd, Date.now() + 60_000);
    if (!served.ok) throw new Error(served.detail);
    const client = createOpencodeClient({ baseUrl: served.url, directory: box.cwd, headers: { authorization: `Basic ${Buffer.from(`opencode:${served.password}`).toString('base64')}` } });
    const made = await client.session.create({});
    const id = made.data!.id;
    await client.session.prompt({ sessionID: id, parts: [{ type: 'text', text: 'made in a terminal' }] });
    await served.proc.stop();
    expect((await driver.listDirect()).map((d) => d.vendorResumeId)).toContain(id);
    const taken = await driver.resume({ vendorId: asVendorId(id), cwd: box.cwd });
    if (!taken.ok) throw new Error(`${taken.code}: ${taken.detail}`);
    handles.push(taken.handle);
    const log = new EventLog(taken.handle);
    expect(await turn(taken.handle, log, 'from the phone')).toContainEqual({ kind: 'text', text: 'hello from stub' });
    await taken.handle.stop();
  });
});
