// Tokens: share and device tokens carry ≥128 random bits, no secret is ever stored in plain text, and every
// secret is found by its hash and then confirmed with a constant-time compare.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Records every constant-time compare the server makes, so a test can tell it from a plain `===`.
const compares = vi.hoisted(() => [] as Array<[string, string]>);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compares.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString(), Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

const { apiClient, openPhoneSocket, startTestServer } = await import('../helpers/server-harness.ts');
const { liveSession } = await import('../server/fixtures.ts');
const { sameHash } = await import('../../src/server/tokens.ts');
type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
  compares.length = 0;
});
afterEach(async () => ts.stop());

async function shareOf(count: number): Promise<string[]> {
  const laptop = ts.machine();
  await laptop.connect();
  const s = await liveSession(ts, laptop);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push((await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body.token);
  await laptop.disconnect();
  return tokens;
}

/** Shannon entropy per character over all positions of all tokens (an upper bound on what a pattern could leave). */
function bitsPerChar(bodies: string[]): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const b of bodies) for (const ch of b) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log2(c / n);
  return h;
}

describe('share tokens', () => {
  it('are bs_ plus 256 random bits (base64url), all different, with no visible pattern', async () => {
    const tokens = await shareOf(120);
    for (const t of tokens) {
      expect(t).toMatch(/^bs_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t.slice(3), 'base64url')).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    const bodies = tokens.map((t) => t.slice(3, 45)); // the last char carries only 4 bits
    const perChar = bitsPerChar(bodies);
    expect(perChar).toBeGreaterThan(5.8); // 6 is ideal for base64url
    expect(perChar * 42).toBeGreaterThanOrEqual(128);
    // No position is stuck: every one of the first 42 positions takes many values across tokens.
    for (let i = 0; i < 42; i++) expect(new Set(bodies.map((b) => b[i])).size).toBeGreaterThan(30);
  });
});

describe('secrets at rest', () => {
  it('keeps only SHA-256 hashes of device tokens, share tokens and pairing codes in the database files', async () => {
    const code = (await ts.phone.route('createPairingCode', { body: { kind: 'phone' } })).body.code as string;
    const pixel = (await apiClient(ts.url, null).route('pair', { body: { code, name: 'Pixel', kind: 'phone' } })).body.token as string;
    const unused = (await ts.phone.route('createPairingCode', { body: { kind: 'machine' } })).body.code as string;
    const laptop = ts.machine();
    const [share] = await shareOf(1);
    const secrets = { phone: ts.phoneToken, pixel, machine: laptop.token, share: share!, unusedCode: unused.replace('-', '') };
    // Every file SQLite writes (the WAL holds recent pages before a checkpoint).
    const files = ['baton.db', 'baton.db-wal', 'baton.db-shm'].map((f) => join(ts.home, f)).filter(existsSync);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const [what, secret] of Object.entries(secrets)) {
      expect(bytes.includes(Buffer.from(secret)), `${what} in plain text`).toBe(false);
    }
    // …and the scan would have seen them: their hashes are there.
    for (const secret of [ts.phoneToken, pixel, share!, unused.replace('-', '')]) expect(bytes.includes(Buffer.from(sha256(secret)))).toBe(true);
  });
});

describe('constant-time compares', () => {
  it('confirm a device token found by its hash, for HTTP and for both sockets', async () => {
    expect((await ts.phone.route('sync')).status).toBe(200);
    expect(compares).toContainEqual([sha256(ts.phoneToken), sha256(ts.phoneToken)]);
    compares.length = 0;
    const laptop = ts.machine();
    await laptop.connect();
    expect(compares).toContainEqual([sha256(laptop.token), sha256(laptop.token)]);
    compares.length = 0;
    const phone = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    await phone.next('welcome');
    expect(compares).toContainEqual([sha256(ts.phoneToken), sha256(ts.phoneToken)]);
    phone.close();
    await laptop.disconnect();
  });

  it('confirm share tokens and pairing codes the same way', async () => {
    const [share] = await shareOf(1);
    compares.length = 0;
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: share! })).status).toBe(200);
    expect(compares).toContainEqual([sha256(share!), sha256(share!)]);
    const code = (await ts.phone.route('createPairingCode', { body: { kind: 'phone' } })).body.code as string;
    compares.length = 0;
    expect((await apiClient(ts.url, null).route('pair', { body: { code, name: 'Pixel', kind: 'phone' } })).status).toBe(201);
    expect(compares).toContainEqual([sha256(code.replace('-', '')), sha256(code.replace('-', ''))]);
  });

  it('refuse a token one character off, and sameHash never throws on odd input', async () => {
    const off = ts.phoneToken.slice(0, -1) + (ts.phoneToken.endsWith('A') ? 'B' : 'A');
    expect((await apiClient(ts.url, off).route('sync')).status).toBe(401);
    expect(sameHash(sha256('a'), sha256('a'))).toBe(true);
    expect(sameHash(sha256('a'), sha256('b'))).toBe(false);
    expect(sameHash(sha256('a'), 'short')).toBe(false);
    expect(sameHash('', '')).toBe(true);
  });
});
