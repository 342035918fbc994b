// THE backend contract: one suite every BackendDriver runs against its fake vendor CLI (strict resume, faults, permissions).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentHandle, BackendDriver, DriverEnv, DriverEvent } from '../../src/machine/providers/backend.ts';
import { guardDriver } from '../../src/machine/providers/guard-driver.ts';
import { summarizeInput, type VendorId } from '../../src/core/index.ts';
import { createFakeEnv, type FakeEnv, type FakeProvider, type RecordLine } from '../helpers/fake-env.ts';

export interface BackendFixture {
  /** A driver over the fake, with the fixture's default timeout. */
  readonly driver: BackendDriver;
  /** Another driver over the same sandbox with some settings replaced (timeoutMs, command, env). */
  makeDriver(overrides?: Partial<DriverEnv>): BackendDriver;
  /** The project directory sessions run in. */
  readonly cwd: string;
  /** The environment the fixture's drivers run with (the sandbox's HOME, PATH with the fakes first). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This provider's fake record (created / resumed / resume-refused lines). */
  record(): Promise<RecordLine[]>;
  setFaults(faults: string[]): Promise<void>;
  /** Pids of fake processes of this sandbox still running. */
  livePids(): Promise<number[]>;
  cleanup(): Promise<void>;
}

export interface FakeFixtureOptions {
  readonly slowMs?: number;
  readonly timeoutMs?: number;
  readonly extraEnv?: Record<string, string>;
}

/** A fresh fake sandbox and a driver over it: what every backend's tests run against. */
export async function fakeFixture(
  provider: FakeProvider,
  createDriver: (env: DriverEnv) => BackendDriver,
  o: FakeFixtureOptions = {},
): Promise<BackendFixture & { fake: FakeEnv }> {
  const fake = await createFakeEnv({ ...(o.slowMs !== undefined ? { slowMs: o.slowMs } : {}), ...(o.extraEnv ? { extraEnv: o.extraEnv } : {}) });
  // As the daemon's registry builds it: the driver behind the guard every backend gets.
  const makeDriver = (overrides: Partial<DriverEnv> = {}) => guardDriver(createDriver({ command: provider, env: fake.env, timeoutMs: o.timeoutMs ?? 5000, ...overrides }));
  return {
    fake,
    driver: makeDriver(),
    makeDriver,
    cwd: fake.cwd,
    env: fake.env,
    record: () => fake.record(provider),
    setFaults: (f) => fake.setFaults(f),
    livePids: () => fake.livePids(),
    cleanup: () => fake.cleanup(),
  };
}

export interface ContractOptions {
  /** Backends that cannot reopen a session (codex-mcp) get the smaller variant. */
  readonly resumable: boolean;
  /**
   * Where a vendor that comes back under another id is caught. `resume`: resume() itself fails with
   * vendor-id-mismatch. `first-send`: the vendor only says its id with the first turn (Claude stream-json),
   * so that send rejects with code vendor-id-mismatch and the process is stopped.
   */
  readonly mismatchDetectedAt?: 'resume' | 'first-send';
  /** How long the `slow-start` fault makes the fake wait (the fixture sets BATON_FAKE_SLOW_MS to this). */
  readonly slowMs?: number;
  /** The vendor saves a session only after its first turn (Claude, Codex), so resuming an unused id is vendor-not-found. Default true. */
  readonly persistsAfterFirstTurn?: boolean;
  /** listDirect reads the vendor's own store and finds sessions there. Default true. */
  readonly listsDirect?: boolean;
}

/** Collects a handle's events and lets a test await the next one matching a predicate. */
export class EventLog {
  readonly events: DriverEvent[] = [];
  private waiters: { match: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }[] = [];
  readonly dispose: () => void;

  constructor(handle: AgentHandle) {
    this.dispose = handle.onEvent((e) => {
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
    });
  }

  /** Resolves with the first event (already seen from index `from`, or future) that matches. */
  next<K extends DriverEvent['kind']>(kind: K, from = 0, timeoutMs = 10_000): Promise<Extract<DriverEvent, { kind: K }>> {
    const match = (e: DriverEvent) => e.kind === kind;
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen as Extract<DriverEvent, { kind: K }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${kind}' event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e as Extract<DriverEvent, { kind: K }>)) });
    });
  }

  kinds(from = 0): string[] {
    return this.events.slice(from).map((e) => e.kind);
  }
}

/** Sends one message and waits for its turn to end; returns the events of that turn. */
export async function turn(handle: AgentHandle, log: EventLog, text: string): Promise<DriverEvent[]> {
  const from = log.events.length;
  await handle.send(text);
  await log.next('turn-end', from);
  const events = log.events.slice(from);
  return events.slice(0, events.findIndex((e) => e.kind === 'turn-end') + 1);
}

const created = (lines: RecordLine[]) => lines.filter((l) => l.event === 'created');

/** The agent's texts in order; streamed text (same part id) counted once, in its final form. */
export function texts(events: readonly DriverEvent[]): string[] {
  const out: string[] = [];
  const parts = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'text') continue;
    const at = e.partId !== undefined ? parts.get(e.partId) : undefined;
    if (at !== undefined) out[at] = e.text;
    else {
      if (e.partId !== undefined) parts.set(e.partId, out.length);
      out.push(e.text);
    }
  }
  return out;
}

export function describeBackendContract(name: string, makeFixture: () => Promise<BackendFixture>, options: ContractOptions): void {
  describe(`${name} backend contract`, () => {
    let fx: BackendFixture;
    const handles: AgentHandle[] = [];

    beforeEach(async () => {
      fx = await makeFixture();
    });
    afterEach(async () => {
      try {
        await Promise.all(handles.splice(0).map((h) => h.stop()));
        expect(await fx.livePids(), 'no fake process outlives its test').toEqual([]);
      } finally {
        await fx.cleanup();
      }
    });

    async function start(driver = fx.driver): Promise<AgentHandle> {
      const outcome = await driver.start({ cwd: fx.cwd, title: 'contract' });
      if (!outcome.ok) throw new Error(`start failed: ${outcome.code} ${outcome.detail}`);
      handles.push(outcome.handle);
      return outcome.handle;
    }

    /** A session the vendor has persisted (one full turn), then stopped: the state a strict resume starts from. */
    async function persistedSession(): Promise<VendorId> {
      const handle = await start();
      const log = new EventLog(handle);
      await turn(handle, log, 'first');
      if (options.resumable) await log.next('persisted');
      await handle.stop();
      return handle.vendorId;
    }

    it('start gives a vendor id and the vendor records exactly one created session', async () => {
      const handle = await start();
      expect(handle.vendorId.length).toBeGreaterThan(0);
      expect(handle.pid).toBeGreaterThan(0);
      const log = new EventLog(handle);
      await turn(handle, log, 'hello');
      const lines = created(await fx.record());
      expect(lines).toHaveLength(1);
      if (options.resumable) expect(lines[0]!.vendorId).toBe(handle.vendorId);
    });

    it('a turn yields a tool call (running, then done with its result), the answer text and a turn end', async () => {
      const handle = await start();
      const log = new EventLog(handle);
      const events = await turn(handle, log, 'hello laptop');
      const kinds = events.map((e) => e.kind);
      const calls = events.filter((e): e is Extract<DriverEvent, { kind: 'tool-call' }> => e.kind === 'tool-call');
      expect(calls.length).toBeGreaterThan(0);
      // One call, reported as it goes: the same id each time, its input the file it reads.
      expect(new Set(calls.map((c) => c.callId)).size).toBe(1);
      expect(calls[0]).toMatchObject({ tool: 'Read' });
      expect(calls[0]!.title ?? summarizeInput(calls[0]!.input)).toMatch(/README\.md$/);
      expect(calls.at(-1)!.status).toBe('done');
      expect(texts(events)).toContain('echo: hello laptop');
      expect(kinds.indexOf('tool-call')).toBeLessThan(kinds.lastIndexOf('text'));
      expect(kinds.at(-1)).toBe('turn-end');
      if (options.resumable) await log.next('persisted');
      else expect(log.kinds()).not.toContain('persisted');
    });

    it('stop ends the process, emits exit, and is idempotent', async () => {
      const handle = await start();
      const log = new EventLog(handle);
      await handle.stop();
      await handle.stop();
      await log.next('exit');
      expect(await fx.livePids()).toEqual([]);
      await expect(handle.send('too late')).rejects.toThrow();
    });

    it('checkDependencies reports the CLI as installed with a version, and as missing when it is not on PATH', async () => {
      const ok = await fx.driver.checkDependencies();
      expect(ok.installed).toBe(true);
      expect(ok.version).toMatch(/\d+\.\d+/);
      expect(ok.canResume).toBe(options.resumable);
      if (!options.resumable) expect(ok.detail).toBeTruthy();
      const missing = await fx.makeDriver({ command: 'baton-no-such-cli' }).checkDependencies();
      expect(missing).toMatchObject({ installed: false, canResume: false, version: null });
      expect(missing.detail).toContain('not installed');
    });

    it('start with the CLI missing fails with dependency-missing', async () => {
      const outcome = await fx.makeDriver({ command: 'baton-no-such-cli' }).start({ cwd: fx.cwd, title: 'x' });
      expect(outcome).toMatchObject({ ok: false, code: 'dependency-missing' });
    });

    describe('a start whose working directory cannot be used fails cwd-invalid, naming it, and spawns nothing', () => {
      const cases: [string, (cwd: string) => string][] = [
        ['missing', (cwd) => join(cwd, 'no-such-folder')],
        ['relative', () => 'some/relative/dir'],
        ['a file', (cwd) => join(cwd, 'a-file.txt')],
        ['below a file', (cwd) => join(cwd, 'a-file.txt', 'sub')],
        ['not a valid path', (cwd) => `${cwd}/bad\0name`],
      ];
      for (const [what, pathOf] of cases) {
        it(what, async () => {
          writeFileSync(join(fx.cwd, 'a-file.txt'), 'not a folder');
          const cwd = pathOf(fx.cwd);
          const outcome = await fx.driver.start({ cwd, title: 'x' });
          expect(outcome).toMatchObject({ ok: false, code: 'cwd-invalid' });
          if (!outcome.ok) expect(outcome.detail).toContain(JSON.stringify(cwd));
          expect(created(await fx.record())).toHaveLength(0);
          expect(await fx.livePids()).toEqual([]);
        });
      }
    });

    it('a missing cwd is cwd-invalid even when the CLI is missing too (dependency-missing only for the binary)', async () => {
      const outcome = await fx.makeDriver({ command: 'baton-no-such-cli' }).start({ cwd: join(fx.cwd, 'gone'), title: 'x' });
      expect(outcome).toMatchObject({ ok: false, code: 'cwd-invalid' });
    });

    it('a spawn that throws at once is a typed vendor-error, never a rejection or a hang', async () => {
      // Node refuses an environment value with a NUL byte synchronously, inside spawn.
      const outcome = await fx.makeDriver({ env: { ...fx.env, BATON_BROKEN_VAR: 'a\0b' } }).start({ cwd: fx.cwd, title: 'x' });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-error' });
      if (!outcome.ok) expect(outcome.detail).toMatch(/could not be started|null bytes/);
      expect(created(await fx.record())).toHaveLength(0);
      expect(await fx.livePids()).toEqual([]);
    });

    it('a permission request round-trips allow and deny', async () => {
      await fx.setFaults(['permission']);
      const handle = await start();
      const log = new EventLog(handle);
      for (const decision of ['allow', 'deny'] as const) {
        const from = log.events.length;
        await handle.send(`please ${decision}`);
        const ask = await log.next('permission-request', from);
        // The request carries the whole input (what Allow approves); the command in it is `ls`.
        expect(ask).toMatchObject({ tool: 'Bash' });
        expect(summarizeInput(ask.input)).toBe('ls');
        await handle.answerPermission(ask.permissionId, decision);
        await log.next('turn-end', from);
        const said = texts(log.events.slice(from));
        expect(said).toContain(decision === 'allow' ? 'allowed: ls' : 'denied: ls');
        expect(said).toContain(`echo: please ${decision}`);
      }
    });

    if (!options.resumable) {
      it('refuses to resume, says why, and starts nothing', async () => {
        expect(fx.driver.supportsResume).toBe(false);
        const vendorId = await persistedSession();
        const before = await fx.record();
        const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          expect(outcome.code).toBe('vendor-error');
          expect(outcome.detail).toMatch(/cannot resume/);
        }
        expect(await fx.record()).toEqual(before);
      });
      return;
    }

    it('resume by id comes back with the same id, the vendor records resumed and no new session', async () => {
      expect(fx.driver.supportsResume).toBe(true);
      const vendorId = await persistedSession();
      const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
      if (!outcome.ok) throw new Error(`resume failed: ${outcome.code} ${outcome.detail}`);
      handles.push(outcome.handle);
      expect(outcome.handle.vendorId).toBe(vendorId);
      const lines = await fx.record();
      expect(created(lines)).toHaveLength(1);
      expect(lines.filter((l) => l.event === 'resumed').map((l) => l.vendorId)).toEqual([vendorId]);
    });

    it('a resume whose working directory is gone fails cwd-invalid and spawns nothing', async () => {
      const vendorId = await persistedSession();
      const gone = join(fx.cwd, 'moved-away');
      const outcome = await fx.driver.resume({ vendorId, cwd: gone });
      expect(outcome).toMatchObject({ ok: false, code: 'cwd-invalid' });
      if (!outcome.ok) expect(outcome.detail).toContain(JSON.stringify(gone));
      expect((await fx.record()).filter((l) => l.event === 'resumed')).toHaveLength(0);
      expect(await fx.livePids()).toEqual([]);
    });

    it('after a resume, a message is answered in the same vendor session', async () => {
      const vendorId = await persistedSession();
      const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
      if (!outcome.ok) throw new Error(`resume failed: ${outcome.code} ${outcome.detail}`);
      handles.push(outcome.handle);
      const log = new EventLog(outcome.handle);
      const events = await turn(outcome.handle, log, 'from the phone');
      expect(texts(events)).toContain('echo: from the phone');
      expect(created(await fx.record())).toHaveLength(1);
    });

    if (options.persistsAfterFirstTurn !== false) it('resume of an id the vendor never persisted fails with vendor-not-found', async () => {
      const handle = await start();
      const neverPersisted = handle.vendorId; // started, but no turn: nothing saved yet
      await handle.stop();
      const outcome = await fx.driver.resume({ vendorId: neverPersisted, cwd: fx.cwd });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-not-found' });
      expect(created(await fx.record())).toHaveLength(1);
    });

    const faultCases: { fault: string; code: string; timeoutMs?: number }[] = [
      { fault: 'unknown-id', code: 'vendor-not-found' },
      { fault: 'crash-on-resume', code: 'vendor-error' },
      { fault: 'hang', code: 'timeout', timeoutMs: 700 },
    ];
    if (options.mismatchDetectedAt !== 'first-send') faultCases.push({ fault: 'other-id', code: 'vendor-id-mismatch' });

    for (const c of faultCases) {
      it(`fault ${c.fault}: resume fails with ${c.code}, creates no session and leaves no process`, async () => {
        const vendorId = await persistedSession();
        await fx.setFaults([c.fault]);
        const driver = c.timeoutMs ? fx.makeDriver({ timeoutMs: c.timeoutMs }) : fx.driver;
        const outcome = await driver.resume({ vendorId, cwd: fx.cwd });
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          expect(outcome.code).toBe(c.code);
          expect(outcome.detail.length).toBeGreaterThan(0);
        }
        expect(created(await fx.record())).toHaveLength(1);
        expect(await fx.livePids()).toEqual([]);
      });
    }

    if (options.mismatchDetectedAt === 'first-send') {
      it('fault other-id: the first send after resume rejects with vendor-id-mismatch and the process is stopped', async () => {
        const vendorId = await persistedSession();
        await fx.setFaults(['other-id']);
        const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
        if (!outcome.ok) {
          expect(outcome.code).toBe('vendor-id-mismatch');
        } else {
          handles.push(outcome.handle);
          const log = new EventLog(outcome.handle);
          await expect(outcome.handle.send('would fork')).rejects.toMatchObject({ code: 'vendor-id-mismatch' });
          const exit = await log.next('exit');
          expect(exit.detail).toMatch(/vendor-id-mismatch|different session id/);
          expect(log.kinds()).not.toContain('turn-end');
          expect(outcome.handle.vendorId).toBe(vendorId);
        }
        expect(created(await fx.record())).toHaveLength(1);
        expect(await fx.livePids()).toEqual([]);
      });
    }

    it('fault slow-start: resume still succeeds within a longer timeout', async () => {
      const vendorId = await persistedSession();
      await fx.setFaults(['slow-start']);
      const driver = fx.makeDriver({ timeoutMs: (options.slowMs ?? 1500) + 5000 });
      const outcome = await driver.resume({ vendorId, cwd: fx.cwd });
      if (!outcome.ok) throw new Error(`resume failed: ${outcome.code} ${outcome.detail}`);
      handles.push(outcome.handle);
      expect(outcome.handle.vendorId).toBe(vendorId);
      expect(created(await fx.record())).toHaveLength(1);
    });

    it('fault hang on start: start fails with timeout and leaves no process', async () => {
      await fx.setFaults(['hang']);
      const outcome = await fx.makeDriver({ timeoutMs: 700 }).start({ cwd: fx.cwd, title: 'x' });
      expect(outcome).toMatchObject({ ok: false, code: 'timeout' });
      expect(await fx.livePids()).toEqual([]);
    });

    if (options.listsDirect !== false) it('readHistory reads the conversation from the vendor store, in order and paged from the newest', async () => {
      const vendorId = await persistedSession();
      const outcome = await fx.driver.readHistory({ vendorId, cwd: fx.cwd, before: null, limit: 50 });
      if (!outcome.ok) throw new Error(`readHistory failed: ${outcome.code} ${outcome.detail}`);
      const { entries, hasOlder } = outcome.page;
      expect(hasOlder).toBe(false);
      expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
      const user = entries.findIndex((e) => e.role === 'user' && e.text === 'first');
      const answer = entries.findIndex((e) => e.role === 'agent' && e.text === 'echo: first');
      expect(user, JSON.stringify(entries)).toBeGreaterThanOrEqual(0);
      expect(answer).toBeGreaterThan(user);
      // The newest one alone, then the page before it.
      const last = await fx.driver.readHistory({ vendorId, cwd: fx.cwd, before: null, limit: 1 });
      expect(last).toMatchObject({ ok: true, page: { entries: [{ index: entries.length - 1 }], hasOlder: entries.length > 1 } });
      const before = await fx.driver.readHistory({ vendorId, cwd: fx.cwd, before: entries.length - 1, limit: 50 });
      expect(before.ok && before.page.entries.map((e) => e.text)).toEqual(entries.slice(0, -1).map((e) => e.text));
      // Reading starts nothing.
      expect(created(await fx.record())).toHaveLength(1);
      expect(await fx.livePids()).toEqual([]);
    });

    if (options.listsDirect !== false) it('readHistory of a session the vendor does not have is vendor-not-found', async () => {
      const outcome = await fx.driver.readHistory({ vendorId: 'no-such-session-0000' as VendorId, cwd: fx.cwd, before: null, limit: 10 });
      expect(outcome).toMatchObject({ ok: false, code: 'vendor-not-found' });
    });

    if (options.listsDirect !== false) it('listDirect finds the persisted session with its cwd and first message as title', async () => {
      const vendorId = await persistedSession();
      const direct = await fx.driver.listDirect();
      const found = direct.find((d) => d.vendorResumeId === vendorId);
      expect(found).toMatchObject({ cwd: fx.cwd, title: 'first', backend: fx.driver.backend, provider: fx.driver.provider });
    });
  });
}
