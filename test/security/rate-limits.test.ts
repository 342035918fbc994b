// Rate limits: pairing guesses per address and overall, sends per device, share-link reads per address —
// each a 429 `rate-limited` with Retry-After — and limiter memory that stays bounded under a flood of keys.
// Raw `/api/…` paths on purpose: what a flood of requests meets, not what the typed client would send.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiClient, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession } from '../server/fixtures.ts';
import { createFailureLimiter, createTokenBucket } from '../../src/server/http/rate-limit.ts';
import { RATE_LIMITS } from '../../src/server/http/routes-account.ts';

let ts: TestServer;
let clock = 0;
beforeEach(async () => {
  clock = Date.now();
  ts = await startTestServer({ now: () => clock, trustProxy: true });
});
afterEach(async () => ts.stop());

/** A client that says (through the trusted proxy) it comes from `ip`. */
function from(ip: string, token: string | null = null) {
  return async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': ip };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${ts.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json().catch(() => null)) as any };
  };
}

function expectLimited(res: { status: number; retryAfter: string | null; body: any }, maxSeconds: number): void {
  expect(res.status).toBe(429);
  expect(res.body.error.kind).toBe('rate-limited');
  const s = Number(res.retryAfter);
  expect(Number.isInteger(s) && s >= 1 && s <= maxSeconds).toBe(true);
}

describe('pairing', () => {
  const guess = (ip: string) => from(ip)('POST', '/api/pair', { code: 'AAAAA-AAAAA', name: 'guesser', kind: 'phone' });

  it('stops one address after 10 wrong codes, until its window passes, while others still pair', async () => {
    for (let i = 0; i < RATE_LIMITS.pairFailuresPerClient; i++) expect((await guess('203.0.113.7')).status).toBe(400);
    expectLimited(await guess('203.0.113.7'), 600);
    const right = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
    expectLimited(await from('203.0.113.7')('POST', '/api/pair', { code: right, name: 'x', kind: 'phone' }), 600);
    expect((await from('198.51.100.1')('POST', '/api/pair', { code: right, name: 'x', kind: 'phone' })).status).toBe(201);
    clock += RATE_LIMITS.pairWindowMs;
    expect((await guess('203.0.113.7')).status).toBe(400);
  });

  // Regression: 100 wrong codes from anyone locked the owner out of pairing for 10 minutes. Now a flood voids
  // the unused codes (none is exposed to more than `pairFailuresOverall` guesses) and locks nobody out.
  it('voids every unused code after 1,000 wrong ones from many sources, and a new code pairs at once', async () => {
    const old = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
    for (let i = 0; i < RATE_LIMITS.pairFailuresOverall; i++) expect((await guess(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)).status).toBe(400);
    expect(ts.logs().some((l) => /1000 wrong pairing codes .* voided so none stays guessable/.test(l))).toBe(true);
    // The code made before the flood is dead: it saw too many guesses.
    expect((await from('192.0.2.200')('POST', '/api/pair', { code: old, name: 'x', kind: 'phone' })).status).toBe(400);
    // The owner's next code works at once, from a source that did not guess — nothing waits out a window.
    const fresh = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
    expect((await from('192.0.2.200')('POST', '/api/pair', { code: fresh, name: 'x', kind: 'phone' })).status).toBe(201);
  });

  it('the owner’s own `baton pair` on the machine keeps working while someone floods guesses', async () => {
    // More than the old global lock-out (100), far fewer than would void codes (1,000).
    for (let i = 0; i < 150; i++) expect((await guess(`198.18.${i}.1`)).status).toBe(400);
    const right = ts.admin.createPairingCode(ts.accountId as never, 'cli').code;
    // Over loopback, as `baton pair --code` on the machine itself sends it.
    const res = await fetch(`${ts.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: right, name: 'terminal', kind: 'cli' }) });
    expect(res.status).toBe(201);
  });

  it('counts an IPv6 client by its /64: a host cannot get a fresh budget per address', async () => {
    for (let i = 0; i < RATE_LIMITS.pairFailuresPerClient; i++) expect((await guess(`2001:db8:aa:bb::${(i + 1).toString(16)}`)).status).toBe(400);
    expectLimited(await guess('2001:db8:aa:bb:ffff:ffff:ffff:ffff'), 600);
    expect((await guess('2001:db8:aa:bc::1')).status).toBe(400);
  });

  // Regression: with --trust-proxy the left-most X-Forwarded-For was the key, which the client writes itself.
  it('behind a trusted proxy, keys on the right-most address the proxy wrote, not on what the client put left of it', async () => {
    const spoofing = (i: number) => async () => {
      const res = await fetch(`${ts.url}/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.99.0.${i}, 203.0.113.9, 127.0.0.1` },
        body: JSON.stringify({ code: 'AAAAA-AAAAA', name: 'guesser', kind: 'phone' }),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };
    for (let i = 0; i < RATE_LIMITS.pairFailuresPerClient; i++) expect((await spoofing(i)()).status).toBe(400);
    expectLimited(await spoofing(200)(), 600);
    expectLimited(await guess('203.0.113.9'), 600);
  });
});

describe('pairing codes in any case', () => {
  // Regression: the schema refused lower case, so `baton pair --code k7qpd-m3xwa` failed before the code was looked at.
  it('pair in lower case, without dashes, with surrounding spaces from the CLI', async () => {
    for (const shape of [(c: string) => c.toLowerCase(), (c: string) => c.replace('-', '').toLowerCase()]) {
      const code = ts.admin.createPairingCode(ts.accountId as never, 'phone').code;
      expect((await from('198.51.100.77')('POST', '/api/pair', { code: shape(code), name: 'x', kind: 'phone' })).status).toBe(201);
    }
  });
});

describe('sends', () => {
  let laptop: ScriptedMachine;
  beforeEach(async () => {
    laptop = ts.machine('laptop');
    await laptop.connect();
  });
  afterEach(async () => laptop.disconnect());

  it('allow a burst per device, then 429 with Retry-After; another device is not held back; time refills', async () => {
    const s = await liveSession(ts, laptop);
    const phone = from('198.51.100.2', ts.phoneToken);
    for (let i = 0; i < RATE_LIMITS.sendBurst; i++) expect((await phone('POST', `/api/sessions/${s.id}/messages`, { clientId: `c${i}`, text: `hi ${i}` })).status).toBe(202);
    const refused = await phone('POST', `/api/sessions/${s.id}/messages`, { clientId: 'over', text: 'one too many' });
    expectLimited(refused, Math.ceil(1 / RATE_LIMITS.sendPerSecond));
    // A retry of a message already stored is answered (200, the same message), even while limited.
    const retry = await phone('POST', `/api/sessions/${s.id}/messages`, { clientId: 'c0', text: 'hi 0' });
    expect(retry.status).toBe(200);
    // A refused send stored nothing: the same clientId goes through later as a new message.
    const tablet = from('198.51.100.2', ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet').token);
    expect((await tablet('POST', `/api/sessions/${s.id}/messages`, { clientId: 'tablet-1', text: 'from the tablet' })).status).toBe(202);
    clock += Number(refused.retryAfter) * 1000;
    expect((await phone('POST', `/api/sessions/${s.id}/messages`, { clientId: 'over', text: 'one too many' })).status).toBe(202);
  });
});

describe('share-link reads', () => {
  let laptop: ScriptedMachine;
  beforeEach(async () => {
    laptop = ts.machine('laptop');
    await laptop.connect();
  });
  afterEach(async () => laptop.disconnect());

  it('allow a burst per address, then 429 with Retry-After; unknown tokens count too', async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.post(`/api/sessions/${s.id}/shares`, { expiresInSeconds: 3600 })).body;
    const viewer = from('203.0.113.50');
    for (let i = 0; i < RATE_LIMITS.shareReadBurst; i++) {
      const token = i % 2 === 0 ? share.token : `bs_guess${i}`;
      expect((await viewer('GET', `/api/shared/${token}`)).status).toBe(i % 2 === 0 ? 200 : 404);
    }
    expectLimited(await viewer('GET', `/api/shared/${share.token}`), Math.ceil(1 / RATE_LIMITS.shareReadPerSecond));
    expect((await from('203.0.113.51')('GET', `/api/shared/${share.token}`)).status).toBe(200);
    expect((await apiClient(ts.url, null).get(`/api/shared/${share.token}`)).status).toBe(200);
  });
});

describe('limiter memory', () => {
  it('stays bounded under a flood of new keys, forgetting the least recently used', () => {
    let now = 0;
    const bucket = createTokenBucket(2, 1, () => now, 1_000);
    expect(bucket.take('phone')).toBe(0);
    expect(bucket.take('phone')).toBe(0);
    expect(bucket.take('phone')).toBeGreaterThan(0);
    for (let i = 0; i < 50_000; i++) bucket.take(`flood-${i}`);
    expect(bucket.size).toBe(1_000);
    const failures = createFailureLimiter(3, 60_000, () => now, 1_000);
    for (let i = 0; i < 50_000; i++) failures.fail(`ip-${i}`);
    expect(failures.size).toBe(1_000);
    now += 1_000;
    expect(bucket.take('phone')).toBe(0); // it refilled (or was forgotten): either way it may send again
  });

  it('keeps a recently active key while older ones are evicted', () => {
    const now = 0;
    const failures = createFailureLimiter(1, 60_000, () => now, 100);
    failures.fail('attacker');
    for (let i = 0; i < 1_000; i++) {
      expect(failures.waitMs('attacker')).toBeGreaterThan(0); // touching it keeps it recent
      failures.fail(`other-${i}`);
    }
    expect(failures.waitMs('attacker')).toBeGreaterThan(0);
  });
});
