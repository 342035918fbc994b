// A push service on loopback for tests: hands out subscriptions (real P-256 keys and auth secrets, as a browser
// makes them), decrypts what the server sends to them (RFC 8291, aes128gcm) and checks its VAPID JWT (RFC 8292).
import { createECDH, createPublicKey, hkdfSync, randomBytes, verify, createDecipheriv, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushPayload } from '../../src/core/push.ts';

export interface ReceivedPush {
  readonly name: string;
  /** The status this endpoint answered with. */
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly payload: PushPayload;
  /** The VAPID claims, their signature checked against `k`. */
  readonly vapid: { readonly aud: string; readonly sub: string; readonly exp: number; readonly k: string };
}

export interface PushSubscriptionJson {
  readonly endpoint: string;
  readonly expirationTime: null;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

interface Phone {
  readonly ecdh: ECDH;
  readonly auth: Buffer;
  /** Statuses to answer with, one per request, then 201. `'hold'` never answers. */
  script: (number | 'hold')[];
}

export interface PushEndpoint {
  readonly url: string;
  /** Every request answered, in order (held ones are not). */
  readonly received: ReceivedPush[];
  /** A new browser subscription named `name`, at `<url>/push/<name>`. */
  subscription(name: string): PushSubscriptionJson;
  /** The next requests to `name` get these statuses (then 201). */
  answer(name: string, statuses: (number | 'hold')[]): void;
  /** Delivered (2xx) pushes to `name`. */
  delivered(name: string): ReceivedPush[];
  /** Waits for a delivered push to `name` that matches. */
  next(name: string, match?: (p: PushPayload) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  /** Requests held unanswered (`'hold'`) so far. */
  held(): number;
  /** Decrypts a body sent to `name` (for tests that capture pushes elsewhere). */
  decrypt(name: string, body: Buffer): PushPayload;
  stop(): Promise<void>;
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const phones = new Map<string, Phone>();
  const received: ReceivedPush[] = [];
  const taken = new Set<ReceivedPush>();
  const held: IncomingMessage[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = /^\/push\/([^/]+)$/.exec(req.url ?? '')?.[1];
      const phone = name ? phones.get(name) : undefined;
      if (!name || !phone || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const step = phone.script.shift() ?? 201;
      if (step === 'hold') {
        held.push(req);
        return;
      }
      try {
        const payload = decrypt(phone, Buffer.concat(chunks));
        const vapid = checkVapid(String(req.headers.authorization ?? ''), `http://${req.headers.host}`);
        received.push({ name, status: step, headers: req.headers, payload, vapid });
        res.writeHead(step).end();
      } catch (err) {
        res.writeHead(400).end((err as Error).message);
        received.push({ name, status: 400, headers: req.headers, payload: { error: (err as Error).message } as never, vapid: null as never });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const delivered = (name: string) => received.filter((p) => p.name === name && p.status >= 200 && p.status < 300);
  return {
    url,
    received,
    subscription(name) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      phones.set(name, { ecdh, auth, script: [] });
      return { endpoint: `${url}/push/${name}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(name, statuses) {
      phones.get(name)!.script.push(...statuses);
    },
    delivered,
    next(name, match = () => true, timeoutMs = 10_000) {
      return waitFor(() => {
        const p = delivered(name).find((x) => !taken.has(x) && match(x.payload));
        if (p) taken.add(p);
        return p;
      }, `a push to ${name}`, timeoutMs);
    },
    held: () => held.length,
    decrypt: (name, body) => decrypt(phones.get(name)!, body),
    async stop() {
      for (const req of held) req.socket.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** RFC 8291 with RFC 8188 aes128gcm: one record, the sender's key in the header. */
function decrypt(phone: Phone, body: Buffer): PushPayload {
  const salt = body.subarray(0, 16);
  const idLen = body[20]!;
  const senderPublic = body.subarray(21, 21 + idLen);
  const record = body.subarray(21 + idLen);
  const secret = phone.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), phone.ecdh.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, phone.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('not a last record (delimiter 0x02 missing)');
  return JSON.parse(padded.subarray(0, end).toString('utf8')) as PushPayload;
}

/** `vapid t=<jwt>, k=<public key>`: the signature checked with k, the audience this origin. */
function checkVapid(header: string, origin: string): ReceivedPush['vapid'] {
  const m = /^vapid t=([^,\s]+),\s*k=(\S+)$/.exec(header);
  if (!m) throw new Error(`no VAPID authorization: ${header}`);
  const [h, p, s] = m[1]!.split('.');
  const k = Buffer.from(m[2]!, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: k.subarray(1, 33).toString('base64url'), y: k.subarray(33, 65).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as { aud: string; sub: string; exp: number };
  if (claims.aud !== origin) throw new Error(`VAPID aud ${claims.aud}, expected ${origin}`);
  if (claims.exp * 1000 < Date.now()) throw new Error('VAPID JWT expired');
  return { ...claims, k: m[2]! };
}

/** Polls `check` every 10 ms until it returns a value (self-contained: the e2e specs use this helper too). */
async function waitFor<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
