// The events socket's `changed` hints never go backwards: a hint no newer than what the socket was already told
// (its welcome, or an earlier hint) is not sent. With several instances a commit's hint crosses the database and can
// arrive after a welcome that already counted that commit; the phone would only sync for nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ServerContext } from '../../src/server/context.ts';
import { createPhoneHub, CHANGED_WINDOW_MS, type PhoneHub } from '../../src/server/hub/phone-hub.ts';
import { hashSecret } from '../../src/server/tokens.ts';
import { openPhoneSocket } from '../helpers/server-harness.ts';

const TOKEN = 'phone-token';
let cursor = 7;
let hub: PhoneHub;
let http: Server;
let url: string;

// Only what the hub reads: the token lookup and the account's cursor.
const ctx = {
  now: Date.now,
  log: () => {},
  stores: {
    accounts: { deviceByTokenHash: (hash: string) => hash === hashSecret(TOKEN) ? { id: 'd1', account_id: 'a1', kind: 'phone', token_hash: hash, revoked_at: null } : undefined },
    shares: { byTokenHash: () => undefined },
    cursor: { current: () => cursor },
  },
} as unknown as ServerContext;

beforeEach(async () => {
  cursor = 7;
  hub = createPhoneHub(ctx);
  const wss = new WebSocketServer({ noServer: true });
  http = createServer();
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  hub.close();
  await new Promise((r) => http.close(r));
});

const settle = () => new Promise((r) => setTimeout(r, CHANGED_WINDOW_MS * 2));

it('a hint at or below the welcome’s cursor is not sent; a newer one is', async () => {
  const phone = await openPhoneSocket(url, { token: TOKEN });
  expect((await phone.next('welcome')).cursor).toBe(7);
  hub.changed('a1', 6);
  await settle();
  hub.changed('a1', 7);
  await settle();
  hub.changed('a1', 8);
  expect((await phone.next('changed')).cursor).toBe(8);
  expect(phone.all('changed').map((c) => c.cursor)).toEqual([8]);
  phone.close();
});

it('a late hint older than one already sent is dropped, for each socket by what it was told', async () => {
  const early = await openPhoneSocket(url, { token: TOKEN });
  await early.next('welcome');
  hub.changed('a1', 9);
  await early.next('changed');
  await settle();
  cursor = 9;
  const late = await openPhoneSocket(url, { token: TOKEN });
  expect((await late.next('welcome')).cursor).toBe(9);
  hub.changed('a1', 8);
  await settle();
  hub.changed('a1', 10);
  await early.next('changed', (c) => c.cursor === 10);
  await late.next('changed', (c) => c.cursor === 10);
  expect(early.all('changed').map((c) => c.cursor)).toEqual([9, 10]);
  expect(late.all('changed').map((c) => c.cursor)).toEqual([10]);
  early.close();
  late.close();
});
