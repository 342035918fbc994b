// @vitest-environment node
// The phone's events socket against a real WebSocket server that sends frames the protocol does not allow: each is
// dropped before the stores see it, the first is reported once, and the good frames around it still land.
import 'fake-indexeddb/auto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { openCache, readLatestMessages } from '../../src/app/lib/cache-db.ts';
import { connectEvents, type EventsSocket } from '../../src/app/lib/events-socket.ts';
import { $transcript, applyLiveMessage, openTranscript } from '../../src/app/stores/transcript.ts';
import type { PhoneDown } from '../../src/core/phone-protocol.ts';
import { agentMessage } from './records.ts';

// The page's WebSocket, as the browser gives it (Node 20 has none): ws speaks the same onopen/onmessage API.
(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;

let wss: WebSocketServer | null = null;
let socket: EventsSocket | null = null;
afterEach(async () => {
  socket?.stop();
  socket = null;
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => wss?.close(r) ?? r(null));
  wss = null;
});

/** A server that answers the hello with `frames`, in order, each as one text frame. */
async function serverSending(frames: readonly string[]): Promise<{ url: string; hello: Promise<unknown> }> {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const hello = new Promise((resolve) => {
    wss!.on('connection', (ws) => ws.once('message', (d) => {
      resolve(JSON.parse(d.toString()));
      for (const f of frames) ws.send(f);
    }));
  });
  return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, hello };
}

describe('the events socket', () => {
  it('drops frames that do not match the protocol, reports the first once, and the store gets only the good ones', async () => {
    const good = agentMessage('S1', 2, 'the answer');
    const { seq: _dropped, ...noSeq } = agentMessage('S1', 3, 'a message with no seq');
    const { url, hello } = await serverSending([
      'this is not JSON',
      JSON.stringify({ type: 'message', message: noSeq }),
      JSON.stringify({ type: 'welcome', protocol: 1, cursor: 4 }),
      JSON.stringify({ type: 'message', message: { ...good, seq: 'two' } }),
      JSON.stringify({ type: 'message', message: good }),
      JSON.stringify({ type: 'changed', cursor: null }),
      JSON.stringify({ type: 'changed', cursor: 5 }),
    ]);
    const db = await openCache('events-socket-drops');
    await openTranscript(db, 'S1', null);
    const seen: PhoneDown[] = [];
    const warnings: string[] = [];
    const states: string[] = [];
    let applied = Promise.resolve();
    const done = new Promise<void>((resolve) => {
      socket = connectEvents({
        server: url, auth: { token: 'phone-token' }, warn: (line) => warnings.push(line),
        onState: (s) => states.push(s),
        onFrame: (f) => {
          seen.push(f);
          // What the runtime store does with a live message.
          if (f.type === 'message') applied = applied.then(() => applyLiveMessage(db, f.message).then(() => {}));
          if (f.type === 'changed') resolve();
        },
      });
    });
    await done;
    await applied;

    expect(await hello).toEqual({ type: 'hello', protocol: 1, token: 'phone-token' });
    expect(seen).toEqual([{ type: 'welcome', protocol: 1, cursor: 4 }, { type: 'message', message: good }, { type: 'changed', cursor: 5 }]);
    expect(states).toEqual(['connecting', 'open']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dropped a frame that is not JSON/);
    expect($transcript.get().messages).toEqual([good]);
    expect(await readLatestMessages(db, 'S1', 10)).toEqual([good]);
    db.close();
  });
});
