// Pairing: one-time, expiring codes; tokens that work until revoked; guessing is bounded.
import { databaseArgs } from '../helpers/test-database.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiClient, startTestServer, type TestServer } from '../helpers/server-harness.ts';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

let ts: TestServer;
let clock = Date.now();
beforeEach(async () => {
  clock = Date.now();
  ts = await startTestServer({ now: () => clock });
});
afterEach(async () => {
  await ts.stop();
});

const anon = () => apiClient(ts.url, null);

describe('pairing a phone', () => {
  it('redeems a code once for a working token', async () => {
    const made = await ts.phone.route('createPairingCode', { body: { kind: 'phone' } });
    expect(made.status).toBe(201);
    expect(made.body.code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(made.body.link).toBe(`${ts.url}/pair?code=${made.body.code}&server=${encodeURIComponent(ts.url)}`);
    const paired = await anon().route('pair', { body: { code: made.body.code.toLowerCase().replace('-', '').toUpperCase(), name: 'Pixel', kind: 'phone' } });
    expect(paired.status).toBe(201);
    expect(paired.body).toMatchObject({ accountId: ts.accountId, machineId: null });
    const devices = await apiClient(ts.url, paired.body.token).route('listDevices');
    expect(devices.body.devices.find((d: any) => d.current)).toMatchObject({ name: 'Pixel', kind: 'phone' });
    const again = await anon().route('pair', { body: { code: made.body.code, name: 'Pixel 2', kind: 'phone' } });
    expect(again.status).toBe(400);
    expect(again.body.error.kind).toBe('pairing-failed');
  });

  it('refuses an expired code', async () => {
    const made = ts.admin.createPairingCode(ts.accountId as never, 'phone');
    clock += 10 * 60_000 + 1;
    const res = await anon().route('pair', { body: { code: made.code, name: 'late', kind: 'phone' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('gives a machine a machine id, and refuses a code made for another kind', async () => {
    const code = ts.admin.createPairingCode(ts.accountId as never, 'machine').code;
    expect((await anon().route('pair', { body: { code, name: 'box', kind: 'phone' } })).body.error.message).toMatch(/for a machine/);
    const res = await anon().route('pair', { body: { code, name: 'box', kind: 'machine' } });
    expect(res.body.machineId).toMatch(/^mac_/);
    expect((await ts.phone.route('listMachines')).body.machines.map((m: any) => m.name)).toContain('box');
  });

  it('bounds guessing: after 10 wrong codes from one address, even a right one waits', async () => {
    const right = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
    for (let i = 0; i < 10; i++) expect((await anon().route('pair', { body: { code: 'AAAAA-AAAAA', name: 'x', kind: 'phone' } })).status).toBe(400);
    expect((await anon().route('pair', { body: { code: right, name: 'x', kind: 'phone' } })).status).toBe(429);
    clock += 10 * 60_000; // the window passes (and the old code with it)
    const fresh = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
    expect((await anon().route('pair', { body: { code: fresh, name: 'x', kind: 'phone' } })).status).toBe(201);
  });
});

describe('baton pair', () => {
  it('prints a code made on the home database, which the running server accepts', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const out = spawnSync(process.execPath, [join(root, 'bin/baton.mjs'), 'pair', '--json', '--home', ts.home, ...databaseArgs(ts.home)], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const printed = JSON.parse(out.stdout);
    expect(printed.link).toBe(`${ts.url}/pair?code=${printed.code}&server=${encodeURIComponent(ts.url)}`);
    const res = await anon().route('pair', { body: { code: printed.code, name: 'phone via CLI', kind: 'phone' } });
    expect(res.status).toBe(201);
    expect(res.body.accountId).toBe(ts.accountId);
  });
});
