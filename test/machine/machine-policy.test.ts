// The machine's own policy, piece by piece: which folders it allows, the guard every driver runs behind, a
// takeover the supervisor will not bind, and binaries that come only from the daemon's own configuration.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MachineDownSchema, type Backend, type MachineUp } from '../../src/core/index.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import { createPolicy } from '../../src/machine/policy.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { guardDriver } from '../../src/machine/providers/guard-driver.ts';
import { createMemoryDriver, createMemoryVendor } from '../../src/machine/providers/memory-driver.ts';
import { createDrivers, safePath } from '../../src/machine/providers/registry.ts';
import { createSessionSupervisor } from '../../src/machine/session-supervisor.ts';

let root: string;
let home: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-policy-')));
  home = join(root, 'home');
  mkdirSync(join(home, 'code', 'app'), { recursive: true });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(join(root, 'elsewhere'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the folders a machine allows', () => {
  it('by default: the home and every folder in it, but no dot-directory at any depth', () => {
    const p = createPolicy({ home });
    expect(p.isDefault).toBe(true);
    expect(p.cwdRefusal(home)).toBeNull();
    expect(p.cwdRefusal(join(home, 'code', 'app'))).toBeNull();
    expect(p.cwdRefusal(join(home, '.ssh'))).toMatch(/inside the dot-directory ".*\/home\/\.ssh"/);
    mkdirSync(join(home, 'code', 'app', '.git', 'hooks'), { recursive: true });
    expect(p.cwdRefusal(join(home, 'code', 'app', '.git', 'hooks'))).toMatch(/dot-directory ".*\/app\/\.git"/);
    expect(p.cwdRefusal(join(root, 'elsewhere'))).toMatch(/outside the folders this machine lets agents work in \(".*\/home"\).*--allow-root/);
    expect(p.cwdRefusal('/')).toMatch(/outside/);
    expect(p.describe()).toMatch(/the default: your home/);
  });

  it('judges where a path leads, not how it is spelled: links and `..` do not get out', () => {
    const p = createPolicy({ home });
    symlinkSync(join(home, '.ssh'), join(home, 'code', 'keys'));
    symlinkSync(join(root, 'elsewhere'), join(home, 'code', 'out'));
    expect(p.cwdRefusal(join(home, 'code', 'keys'))).toMatch(/resolves to ".*\/home\/\.ssh".*dot-directory/);
    expect(p.cwdRefusal(join(home, 'code', 'out'))).toMatch(/outside/);
    expect(p.cwdRefusal(`${home}/code/../../elsewhere`)).toMatch(/outside/);
  });

  it('with --allow-root: exactly those folders (the home is no longer implied); a dot-directory only when named itself', () => {
    mkdirSync(join(home, '.local', 'src'), { recursive: true });
    const p = createPolicy({ roots: [join(root, 'elsewhere'), join(home, '.local', 'src')], home });
    expect(p.isDefault).toBe(false);
    expect(p.cwdRefusal(join(root, 'elsewhere'))).toBeNull();
    expect(p.cwdRefusal(join(home, '.local', 'src'))).toBeNull();
    expect(p.cwdRefusal(join(home, 'code', 'app'))).toMatch(/outside/);
    expect(p.cwdRefusal(join(home, '.local'))).toMatch(/outside/);
  });
});

describe('the guard every driver runs behind', () => {
  const vendor = createMemoryVendor();
  const guarded = () => guardDriver(createMemoryDriver('claude-stream', vendor), createPolicy({ home }));

  it('refuses a start or a resume outside the allowed folders with cwd-not-allowed, before the driver runs', async () => {
    const created = vendor.record.length;
    expect(await guarded().start({ cwd: join(home, '.ssh'), title: 't' })).toMatchObject({ ok: false, code: 'cwd-not-allowed' });
    expect(await guarded().resume({ vendorId: 'v-1' as never, cwd: '/' })).toMatchObject({ ok: false, code: 'cwd-not-allowed' });
    expect(vendor.record.length).toBe(created);
    // A missing folder is still cwd-invalid (what is wrong with it comes first).
    expect(await guarded().start({ cwd: join(home, 'gone'), title: 't' })).toMatchObject({ ok: false, code: 'cwd-invalid' });
    expect(await guarded().start({ cwd: join(home, 'code', 'app'), title: 't' })).toMatchObject({ ok: true });
  });
});

describe('a takeover', () => {
  it('outside the allowed folders is not bound, and the resume that follows is refused: the vendor session is never reopened', async () => {
    const vendor = createMemoryVendor();
    vendor.persisted.add('v-outside');
    const policy = createPolicy({ home });
    const drivers = new Map<Backend, BackendDriver>([['claude-stream', guardDriver(createMemoryDriver('claude-stream', vendor), policy)]]);
    const store = openDaemonStore(join(root, 'daemon'));
    const sent: MachineUp[] = [];
    const warnings: string[] = [];
    const sup = createSessionSupervisor({
      store, drivers, policy, send: (f) => sent.push(f), capabilities: () => ({}),
      log: { ...silentLogger, warn: (l: string) => warnings.push(l) },
    });
    await sup.handle({ type: 'adopt', sessionId: 's1' as never, vendorResumeId: 'v-outside' as never, provider: 'claude', backend: 'claude-stream', cwd: '/' });
    expect(store.session('s1')).toBeNull();
    expect(sent).toEqual([]);
    expect(warnings.join('\n')).toMatch(/refusing to take over session s1: .*outside/);
    await sup.handle({ type: 'resume', attemptId: 'a1' as never, sessionId: 's1' as never, vendorResumeId: 'v-outside' as never, backend: 'claude-stream', cwd: '/' });
    expect(sent).toContainEqual(expect.objectContaining({ type: 'resume-result', attemptId: 'a1', ok: false, code: 'cwd-not-allowed' }));
    expect(vendor.record.filter((r) => r.event === 'resumed')).toEqual([]);
    await sup.stop();
    store.close();
  });
});

describe('binaries', () => {
  it('a frame from the server cannot name a program: the daemon refuses a start with a command in it', () => {
    const start = { type: 'start', requestId: 'r', sessionId: 's', provider: 'claude', backend: 'claude-stream', cwd: home, title: 't' };
    expect(v.safeParse(MachineDownSchema, start).success).toBe(true);
    expect(v.safeParse(MachineDownSchema, { ...start, command: '/bin/sh' }).success).toBe(false);
    expect(v.safeParse(MachineDownSchema, { ...start, backend: 'my-own-agent' }).success).toBe(false);
  });

  // Regression: a relative PATH entry (`.`, or an empty one) made the vendor's name resolve from the agent's
  // working directory, so a repository holding an executable called `claude` ran in its place.
  it('a folder holding an executable named like a vendor CLI never runs it, whatever PATH says', async () => {
    const repo = join(home, 'code', 'app');
    const marker = join(root, 'pwned');
    writeFileSync(join(repo, 'claude'), `#!/bin/sh\necho ran > ${marker}\n`);
    chmodSync(join(repo, 'claude'), 0o755);
    expect(safePath(`.:${root}/bin::relative/dir:/usr/local/bin`)).toBe(`${root}/bin:/usr/local/bin`);
    const { drivers } = await createDrivers({ env: { PATH: `.::${join(root, 'no-bin')}`, HOME: home }, backends: ['claude-stream'], timeoutMs: 3_000 });
    const outcome = await drivers.get('claude-stream')!.start({ cwd: repo, title: 't' });
    expect(outcome.ok).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });
});
