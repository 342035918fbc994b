// The terminal's events socket against a real WebSocket server that sends frames the protocol does not allow: they
// are dropped (the first reported once), the good frames still arrive, and a wait still ends on them.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createApiClient, type ApiClient } from '../../src/cli/lib/api-client.ts';
import { openEvents } from '../../src/cli/lib/events.ts';
import type { PhoneDown } from '../../src/core/phone-protocol.ts';

let wss: WebSocketServer | null = null;
afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => wss?.close(r) ?? r(null));
  wss = null;
});

async function serverSending(frames: readonly string[]): Promise<ApiClient> {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.once('message', () => frames.forEach((f) => ws.send(f))));
  return createApiClient(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`, 'terminal-token');
}

describe('the CLI events socket', () => {
  it('drops frames that do not match the protocol and reports the first once', async () => {
    const api = await serverSending([
      JSON.stringify({ type: 'welcome', protocol: 1 }),
      JSON.stringify({ type: 'error', code: 42, message: 'not a code' }),
      '[1, 2',
      JSON.stringify({ type: 'welcome', protocol: 1, cursor: 0 }),
      JSON.stringify({ type: 'message', message: { id: 'm1' } }),
      JSON.stringify({ type: 'changed', cursor: 3 }),
    ]);
    const seen: PhoneDown[] = [];
    const warnings: string[] = [];
    const changed = new Promise<void>((resolve) => {
      const events = openEvents(api, (f) => {
        seen.push(f);
        if (f.type === 'changed') {
          events.close();
          resolve();
        }
      }, undefined, (line) => warnings.push(line));
    });
    await changed;
    expect(seen).toEqual([{ type: 'welcome', protocol: 1, cursor: 0 }, { type: 'changed', cursor: 3 }]);
    expect(warnings).toEqual([expect.stringMatching(/dropped a "welcome" frame that does not match the protocol at cursor/)]);
  });

  it('is ready on the well-formed welcome that follows a malformed one, reporting the malformed one', async () => {
    const api = await serverSending([JSON.stringify({ type: 'welcome', cursor: -1 }), JSON.stringify({ type: 'welcome', protocol: 1, cursor: 7 })]);
    const warnings: string[] = [];
    const events = openEvents(api, () => {}, undefined, (line) => warnings.push(line));
    await events.ready;
    events.close();
    expect(warnings).toHaveLength(1);
  });
});
