// permessage-deflate on the events socket, measured rather than guessed: the same agent events fanned out to the
// same watching phones with the sockets plain, compressed frame by frame, and compressed with a kept context;
// bytes on the wire per frame against server CPU per event and server memory per socket.
import type { PhoneDown } from '../src/core/index.ts';
import { BenchMachine, connectPhone, createSessions, http, now, pool, until, type Phone } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, info, runBench, type Baseline, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess, type BenchServerConfig } from './lib/server-process.ts';

const WATCHERS = sized(100, 20);
const EVENTS = sized(1_000, 100);
const RATE = 250; // events per second: well inside what the server sustains, so CPU is the cost, not queueing

/** Agent output as it comes: mostly a line or two, now and then a long paragraph or a tool's output. */
function eventText(i: number): string {
  const line = `Read src/server/hub/phone-hub.ts (line ${i}), changed the fan-out to write each burst once per socket, and ran the tests: all green.`;
  return i % 10 === 0 ? Array.from({ length: 8 }, () => line).join('\n') : line;
}

interface Run {
  readonly mode: BenchServerConfig['socketCompression'];
  readonly frames: number;
  readonly wireBytes: number;
  readonly payloadBytes: number;
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
  readonly memPerSocketKb: number;
  readonly negotiated: boolean;
}

async function measure(mode: BenchServerConfig['socketCompression']): Promise<Run> {
  const srv = await startServerProcess(benchServerConfig({ socketCompression: mode }));
  const phones: Phone[] = [];
  let machine: BenchMachine | null = null;
  try {
    const tokens = await srv.phoneTokens(WATCHERS);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    const [sessionId] = await createSessions(http(srv.url, tokens[0]!.token), machine, 1);
    let received = 0;
    let payloadBytes = 0;
    const onFrame = (f: PhoneDown) => {
      if (f.type !== 'message') return;
      received++;
      payloadBytes += Buffer.byteLength(JSON.stringify(f));
    };
    const before = await srv.memory();
    await pool(tokens, 20, async ({ token }) => void phones.push(await connectPhone(srv.url, token, onFrame, { deflate: true })));
    const after = await srv.memory();
    const negotiated = phones.every((p) => p.ws.extensions.includes('permessage-deflate'));
    const socketRead = () => phones.reduce((a, p) => a + ((p.ws as unknown as { _socket: { bytesRead: number } })._socket.bytesRead ?? 0), 0);

    const read0 = socketRead();
    const cpu0 = await srv.cpuMs();
    const client0 = process.cpuUsage();
    const start = now();
    for (let sent = 0; sent < EVENTS;) {
      const due = Math.min(EVENTS, Math.floor(((now() - start) * RATE) / 1000) + 1);
      for (; sent < due; sent++) machine.send({ type: 'agent-event', sessionId, eventId: `deflate-${sent}`, event: { kind: 'text', text: eventText(sent) } });
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => received >= EVENTS * WATCHERS, 'every watcher to receive every event', 30_000, 10);
    const client = process.cpuUsage(client0);
    const serverCpuMs = (await srv.cpuMs()) - cpu0;
    return {
      mode, frames: received, negotiated,
      wireBytes: socketRead() - read0,
      payloadBytes,
      serverCpuMs,
      clientCpuMs: (client.user + client.system) / 1000,
      memPerSocketKb: (after.rss - before.rss) / WATCHERS / 1024,
    };
  } finally {
    for (const p of phones) p.close();
    machine?.close();
    await srv.stop();
  }
}

export async function socketDeflate() {
  const runs: Run[] = [];
  for (const mode of [false, 'no-context-takeover', 'context-takeover'] as const) runs.push(await measure(mode));
  const [plain, perFrame, context] = runs as [Run, Run, Run];
  const perFrameBytes = (r: Run) => r.wireBytes / r.frames;
  const cpuPerEvent = (r: Run) => (r.serverCpuMs / EVENTS) * 1000; // µs per event, fanned out to every watcher
  const baseBytes: Baseline = { label: 'the same frames on plain sockets (what the server does today)', value: perFrameBytes(plain) };
  const baseCpu: Baseline = { label: 'server CPU for the same events on plain sockets', value: cpuPerEvent(plain) };
  const figures: Figure[] = [
    info('plain-bytes', 'plain: bytes on the wire per message frame', perFrameBytes(plain), 'B', `${plain.frames} frames (${EVENTS} agent events × ${WATCHERS} watchers at ${RATE}/s); payload ${(plain.payloadBytes / plain.frames).toFixed(0)} B`),
    info('plain-cpu', 'plain: server CPU per event (fanned out to every watcher)', cpuPerEvent(plain), 'µs'),
    ...[['frame', 'deflate, each frame alone', perFrame], ['context', 'deflate, context kept per socket', context]].flatMap(([id, label, r]) => {
      const run = r as Run;
      return [
        against(info(`${id}-bytes`, `${label}: bytes per message frame`, perFrameBytes(run), 'B', run.negotiated ? undefined : 'NOT negotiated by every socket'), baseBytes),
        against(info(`${id}-cpu`, `${label}: server CPU per event`, cpuPerEvent(run), 'µs'), baseCpu),
        info(`${id}-client-cpu`, `${label}: phones’ CPU, all ${WATCHERS} (vs ${plain.clientCpuMs.toFixed(0)} ms plain)`, run.clientCpuMs, 'ms'),
        info(`${id}-mem`, `${label}: server RSS per socket (vs ${plain.memPerSocketKb.toFixed(1)} kB plain)`, run.memPerSocketKb, 'kB', 'after connecting (before any frame); a kept context grows its zlib buffers on first use'),
      ];
    }),
  ];
  return {
    title: `Socket compression (permessage-deflate), ${WATCHERS} watchers`,
    figures,
    meta: { events: EVENTS, watchers: WATCHERS, rate: RATE, runs },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('socket-deflate', socketDeflate);
