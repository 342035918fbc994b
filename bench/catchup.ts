// Sync at 10,000 sessions in one account: the paged full sync (every page on the wire), a catch-up after 10 of
// them changed, and a machine dropping (what each phone receives), against the whole account as the baseline.
import { currentAvailability, type PhoneDown, type SessionRecord, type SyncResponse } from '../src/core/index.ts';
import { routeRequest } from '../src/core/index.ts';
import { BenchMachine, connectPhone, createSessions, http, until, wireGet, type Phone, type WireResponse } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, atMost, holds, info, runBench, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const SESSIONS = sized(10_000, 1_000);
const CHANGED = 10;
const REPEATS = sized(15, 3);
const kB = (n: number) => n / 1024;
/** The budgets: each page of a sync ≤ 256 kB on the wire; a machine drop ≤ 10 kB to each phone. */
const PAGE_BUDGET_KB = 256;
const DROP_BUDGET_KB = 10;

/** Every page of `since`, as a phone walks them; what each one cost on the wire. */
export async function walk(url: string, token: string, since: number) {
  const pages: Array<WireResponse<SyncResponse>> = [];
  let next: string | null = null;
  do {
    const page: WireResponse<SyncResponse> = await wireGet<SyncResponse>(url, token, routeRequest('sync', { query: { since, after: next ?? undefined } }).path);
    pages.push(page);
    next = page.body.next;
  } while (next);
  const sum = (k: 'wireBytes' | 'rawBytes') => pages.reduce((a, p) => a + p[k], 0);
  return { pages, wire: sum('wireBytes'), raw: sum('rawBytes'), ms: pages.reduce((a, p) => a + p.ms, 0), last: pages.at(-1)!.body, sessions: pages.flatMap((p) => p.body.sessions) };
}

export async function catchup() {
  const srv = await startServerProcess(benchServerConfig());
  let machine: BenchMachine | null = null;
  let phone: Phone | null = null;
  try {
    const { token } = (await srv.phoneTokens(1))[0]!;
    const api = http(srv.url, token);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    // Inserted through the real API and machine protocol: POST /api/sessions, answered by a scripted daemon
    // (start → started + resumable), so every row went through the server's own code paths.
    const seedStart = performance.now();
    const ids = await createSessions(api, machine, SESSIONS, 16);
    const seedMs = performance.now() - seedStart;

    // A new phone: the full sync, page after page, compressed as a browser accepts it.
    const full = await walk(srv.url, token, 0);
    const fullTimes = [full.ms];
    for (let i = 1; i < sized(3, 1); i++) fullTimes.push((await walk(srv.url, token, 0)).ms);
    const identity = await wireGet<SyncResponse>(srv.url, token, routeRequest('sync', { query: { since: 0 } }).path, 'identity');
    const cursor = full.last.cursor;
    const wholeAccount = { label: `the whole account: all ${SESSIONS.toLocaleString('en')} sessions (${full.pages.length} pages, ${kB(full.wire).toFixed(0)} kB on the wire, ${kB(full.raw).toFixed(0)} kB raw)`, value: kB(full.wire) };

    // While the phone is away: 5 sessions renamed (phone API) and 5 get agent output (machine protocol).
    const changed = new Set<string>();
    for (let i = 0; i < CHANGED; i++) {
      const id = ids[Math.floor(((i + 0.5) * SESSIONS) / CHANGED)]!;
      changed.add(id);
      if (i % 2 === 0) await api.route('editSession', { id, body: { title: `renamed while away ${i}` } });
      else machine.send({ type: 'agent-event', sessionId: id, eventId: `away-${i}`, event: { kind: 'text', text: `output while away ${i}` } });
    }
    const lastChanged = [...changed].at(-1)!;
    await until(async () => (await api.route('getSession', { id: lastChanged })).body.session.cursor > cursor, 'the machine’s last frame to apply', 10_000, 10);

    // Back: catch up. The first request is what the phone pays; repeats give a steadier time.
    const back = await walk(srv.url, token, cursor);
    const times = [back.ms];
    for (let i = 1; i < REPEATS; i++) times.push((await walk(srv.url, token, cursor)).ms);
    const got = new Set(back.sessions.map((s) => s.id));
    const onlyChanged = got.size === changed.size && [...changed].every((id) => got.has(id)) && back.last.machines.length === 0;

    // The machine drops. A phone on the events socket counts what it is sent, then catches up as the app does.
    const beforeDrop = back.last.cursor;
    let socketBytes = 0;
    let hints = 0;
    phone = await connectPhone(srv.url, token, (f: PhoneDown) => {
      socketBytes += Buffer.byteLength(JSON.stringify(f)) + 2; // payload + a small frame's 2-byte header
      if (f.type === 'changed') hints++;
    });
    machine.close();
    await until(async () => !(await api.route('listMachines')).body.machines[0]!.online, 'the machine to be offline', 10_000, 10);
    await until(() => hints > 0, 'the phone to be told', 5_000, 5);
    const drop = await walk(srv.url, token, beforeDrop);
    const dropKb = kB(drop.wire + socketBytes);
    const offlineMachine = drop.last.machines[0];
    // What the phone shows for its cached sessions: derived from the one machine record it received.
    const cached = new Map<string, SessionRecord>(full.sessions.map((s) => [s.id, s]));
    const derivedOffline = [...cached.values()].filter((s) => {
      const a = currentAvailability(s, offlineMachine, drop.last.settings);
      return a.state === 'blocked' && a.reason === 'machine-offline';
    }).length;

    const maxPage = full.pages.reduce((a, p) => (p.wireBytes > a.wireBytes ? p : a));
    const maxRawPage = Math.max(...full.pages.map((p) => p.rawBytes));
    const figures: Figure[] = [
      against(atMost('page-wire', `full sync of ${SESSIONS.toLocaleString('en')} sessions: largest page on the wire`, kB(maxPage.wireBytes), 'kB', PAGE_BUDGET_KB, `pages ≤ ${PAGE_BUDGET_KB} kB on the wire`,
        `${full.pages.length} pages of up to ${Math.max(...full.pages.map((p) => p.body.sessions.length))} sessions, ${maxPage.encoding ?? 'uncompressed'}; headers included`), wholeAccount),
      atMost('page-raw', '  largest page uncompressed (a client that accepts no compression)', kB(maxRawPage), 'kB', PAGE_BUDGET_KB, `≤ ${PAGE_BUDGET_KB} kB`, `one unpaged response of the whole account would be ${kB(full.raw).toFixed(0)} kB raw`),
      info('full-walk-ms', '  full sync, every page, median', median(fullTimes), 'ms', `${fullTimes.length} walks; each page on a new connection, from the bench process to the server child over loopback`),
      info('identity-page', '  first page without compression: bytes, time', `${kB(identity.wireBytes).toFixed(0)} kB, ${identity.ms.toFixed(0)} ms`),
      against(holds('only-changed', `catch-up after ${CHANGED} of ${SESSIONS.toLocaleString('en')} changed: exactly those`, onlyChanged, kB(back.wire), 'kB', 'catch-up sends only what changed',
        `${got.size} sessions and ${back.last.machines.length} machines in the answer: 5 renamed over the API, 5 with new agent output over the machine socket`), wholeAccount),
      info('catchup-ms', `  catch-up time, median of ${REPEATS}`, median(times), 'ms'),
      against(atMost('drop-bytes', `a machine drop among ${SESSIONS.toLocaleString('en')} sessions: bytes to each phone`, dropKb, 'kB', DROP_BUDGET_KB, `≤ ${DROP_BUDGET_KB} kB to each phone`,
        `${hints} changed hint(s) on the socket (${socketBytes} B) + the catch-up on the wire (${drop.wire} B: ${drop.sessions.length} sessions, ${drop.last.machines.length} machine)`), wholeAccount),
      holds('drop-derived', '  the phone derives every session’s availability from the one machine record', derivedOffline === cached.size, `${derivedOffline} of ${cached.size}`, 'blocked: machine-offline',
        'all read machine-offline', 'currentAvailability (src/core/derived-availability.ts) on the cached records and the new machine record'),
      info('seed', `seeding ${SESSIONS.toLocaleString('en')} sessions through the API`, seedMs / 1000, 's'),
    ];
    return {
      title: `Sync at ${SESSIONS.toLocaleString('en')} sessions (full sync in pages, catch-up of ${CHANGED}, a machine drop)`,
      figures,
      meta: { seedMethod: 'POST /api/sessions + scripted machine (started, resumable)', times, fullTimes, pages: full.pages.map((p) => ({ sessions: p.body.sessions.length, wire: p.wireBytes, raw: p.rawBytes, ms: p.ms })), drop: { socketBytes, hints, wire: drop.wire } },
    };
  } finally {
    phone?.close();
    machine?.close();
    await srv.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('catchup', catchup);
