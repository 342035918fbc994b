// Slow readers: 20 share viewers that connect and never read, while a busy agent writes its transcript. The server
// (in its own process) must not keep a growing queue for them: each is closed at the per-socket cap and would
// re-sync over HTTP. The figure is the server's memory growth; the baseline is the same probe with the cap lifted
// (what the server did before it had one), measured in the same run.
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION, SOCKET_PATHS } from '../src/core/index.ts';
import { BenchMachine, createSessions, http, until } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, atMost, info, runBench, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess, type MemorySample } from './lib/server-process.ts';

const VIEWERS = 20;
// Agent output the viewers never read: 60 MB in the full run (each event's frame is shared by the 20 sockets).
const EVENTS = sized(3_000, 400);
const EVENT_CHARS = 20_000;
/** The budget: the server stays within this much of its memory before the probe. */
const BUDGET_MB = 50;

interface Probe {
  readonly before: MemorySample;
  readonly peak: MemorySample;
  /** Viewers the server had closed by the end (its sockets cut at the cap). */
  readonly closed: number;
  readonly seconds: number;
}

/** Opens a viewer on the share link and, once welcomed, stops reading: its socket's data piles up on the server's side. */
function stuckViewer(url: string, shareToken: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${SOCKET_PATHS.events}`);
    const timer = setTimeout(() => reject(new Error('viewer not welcomed in 10 s')), 10_000);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, shareToken })));
    ws.once('message', () => {
      clearTimeout(timer);
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

async function probe(capped: boolean): Promise<Probe> {
  const srv = await startServerProcess({
    ...benchServerConfig(),
    // The baseline: no cap (as before), so the server queues everything the viewers do not read.
    ...(capped ? {} : { socketLimits: { maxBufferedBytes: 1e15 } }),
  });
  const viewers: WebSocket[] = [];
  let machine: BenchMachine | null = null;
  try {
    const [phone] = await srv.phoneTokens(1);
    const api = http(srv.url, phone!.token);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    const [sessionId] = await createSessions(api, machine, 1);
    const share = (await api.route('createShare', { id: sessionId!, body: { expiresInSeconds: 3600 } })).body;
    for (let i = 0; i < VIEWERS; i++) viewers.push(await stuckViewer(srv.url, share.token));
    const closedBy = viewers.map((v) => new Promise<void>((r) => v.once('close', () => r())));
    let closed = 0;
    for (const c of closedBy) void c.then(() => closed++);

    const before = await srv.memory();
    let peak = before;
    const t0 = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      machine.send({ type: 'agent-event', sessionId, eventId: `slow-${i}`, event: { kind: 'text', text: `${i} `.padEnd(EVENT_CHARS, 'x') } });
      // Paced by the server: the machine waits for its writes to be taken, as the daemon's socket would.
      if (i % 50 === 49) {
        await until(() => (machine!.ws?.bufferedAmount ?? 0) < 1_000_000, 'the machine socket to drain', 60_000, 5);
        const sample = await srv.memory();
        if (sample.rss > peak.rss) peak = sample;
      }
    }
    // Every event stored (the share's latest message is the last one sent).
    await until(async () => (await http(srv.url, share.token).route('readShared')).body.messages.at(-1)?.text.startsWith(`${EVENTS - 1} `), 'the last event to be stored', 120_000, 50);
    const after = await srv.memory();
    if (after.rss > peak.rss) peak = after;
    const seconds = (Date.now() - t0) / 1000;
    // A viewer the server cut sees its close once it reads again.
    for (const v of viewers) (v as unknown as { _socket: { resume(): void } })._socket.resume();
    await Promise.race([Promise.all(closedBy), new Promise((r) => setTimeout(r, capped ? 10_000 : 1_000))]);
    return { before, peak, closed, seconds };
  } finally {
    for (const v of viewers) v.terminate();
    machine?.close();
    await srv.stop();
  }
}

export async function slowReaders() {
  const capped = await probe(true);
  const uncapped = await probe(false);
  const mb = (p: Probe) => (p.peak.rss - p.before.rss) / 2 ** 20;
  const base = { label: `the same probe without the per-socket cap: +${mb(uncapped).toFixed(0)} MB`, value: mb(uncapped) };
  const totalMb = (EVENTS * EVENT_CHARS) / 2 ** 20;
  const figures: Figure[] = [
    against(atMost('rss-growth', `server RSS growth, ${VIEWERS} share viewers that never read`, mb(capped), 'MB', BUDGET_MB, `≤ +${BUDGET_MB} MB`,
      `peak RSS after gc() while ${EVENTS} agent events of ${EVENT_CHARS / 1000} kB (${totalMb.toFixed(0)} MB) were written: ${(capped.before.rss / 2 ** 20).toFixed(0)} → ${(capped.peak.rss / 2 ** 20).toFixed(0)} MB in ${capped.seconds.toFixed(1)} s`), base),
    info('closed', 'stuck viewers the server closed (they re-sync over HTTP)', capped.closed, `of ${VIEWERS}`),
    info('external-growth', 'server external memory (buffers) growth', (capped.peak.external - capped.before.external) / 2 ** 20, 'MB'),
    info('uncapped-rss', '  without the cap: server RSS growth', mb(uncapped), 'MB', `${(uncapped.before.rss / 2 ** 20).toFixed(0)} → ${(uncapped.peak.rss / 2 ** 20).toFixed(0)} MB; ${uncapped.closed} of ${VIEWERS} viewers closed`),
    info('uncapped-external', '  without the cap: external memory (buffers) growth', (uncapped.peak.external - uncapped.before.external) / 2 ** 20, 'MB'),
  ];
  return {
    title: `Slow readers (${VIEWERS} share viewers that never read, ${totalMb.toFixed(0)} MB of agent output)`,
    figures,
    meta: { viewers: VIEWERS, events: EVENTS, eventChars: EVENT_CHARS, capped, uncapped, memoryMethod: 'server in a child process (bench/lib/server-child.ts), process.memoryUsage() after two gc() passes, sampled every 50 events' },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('slow-readers', slowReaders);
