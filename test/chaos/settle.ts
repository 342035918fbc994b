// Waits until the whole system is quiet after an operation — every start answered, every resume settled,
// every message final or parked, every turn ended, every outbox flushed — answering permission requests
// the way a phone would on the way. Ops start only from a settled state, so each run is the same run.
import { violate, bump, sleep, type SoakContext } from './context.ts';
import { readDaemonState, type DbSnapshot } from './observe.ts';

const SETTLE_MS = 30_000;
const RESUMABLE_BACKENDS = new Set(['claude-stream', 'codex-app-server']);

/** What is still moving, in words (empty when settled). */
function unsettled(ctx: SoakContext, snap: DbSnapshot): string[] {
  const why: string[] = [];
  for (const [i, m] of ctx.cluster.machines.entries()) {
    const row = snap.machines.find((x) => x.id === m.machineId);
    if (!row || row.online !== 1) why.push(`${m.name} offline`);
    else if (!ctx.cluster.machineReady(i)) why.push(`${m.name} not yet connected to a live instance`);
    const state = readDaemonState(m.home);
    if (state && state.outbox.length > 0) why.push(`${m.name} has ${state.outbox.length} unsent frames`);
  }
  for (const s of snap.sessions) {
    if (s.start_request_id !== null) why.push(`session ${s.id} start unanswered`);
  }
  for (const a of snap.attempts) if (a.state === 'pending') why.push(`attempt ${a.id} pending`);
  const active = new Set(snap.sessions.filter((s) => s.status === 'active').map((s) => s.id));
  for (const m of snap.userMessages) {
    if (m.state === 'accepted' || m.state === 'awaiting-resume') why.push(`message ${m.client_id} ${m.state}`);
    if (m.state === 'delivered' && m.turn_lost === 0 && active.has(m.session_id)) why.push(`message ${m.client_id} in a turn`);
  }
  for (const s of snap.sessions) {
    if (s.managed !== 1 || s.vendor_resume_id !== null || !RESUMABLE_BACKENDS.has(s.backend)) continue;
    if (snap.userMessages.some((m) => m.session_id === s.id && m.state === 'answered')) why.push(`session ${s.id} not yet persisted`);
  }
  return why;
}

/** Open permission requests of running sessions, in ledger order (so the answers drawn from the PRNG line up every run). */
function openPermissions(ctx: SoakContext, snap: DbSnapshot) {
  const active = new Set(snap.sessions.filter((s) => s.status === 'active').map((s) => s.id));
  const order = new Map(ctx.sessions.map((s) => [s.id, s.idx]));
  return snap.permissions
    .filter((m) => active.has(m.session_id) && m.permission && JSON.parse(m.permission).decision === null)
    .sort((a, b) => (order.get(a.session_id) ?? 1e9) - (order.get(b.session_id) ?? 1e9) || a.seq - b.seq);
}

export async function settle(ctx: SoakContext): Promise<DbSnapshot> {
  const deadline = Date.now() + SETTLE_MS;
  const answered = new Set<string>();
  let last: string[] = [];
  for (;;) {
    let snap: DbSnapshot;
    try {
      snap = ctx.observer.snapshot();
    } catch {
      ctx.observer.close();
      await sleep(20);
      continue;
    }
    for (const p of openPermissions(ctx, snap)) {
      if (answered.has(p.id)) continue;
      answered.add(p.id);
      const info = JSON.parse(p.permission!) as { permissionId: string };
      const decision = ctx.rng.chance(0.5) ? 'allow' : 'deny';
      bump(ctx.counters.permissions, decision);
      const phone = ctx.phones[0]!;
      const res = await phone.route('answerPermission', { id: p.session_id, permissionId: info.permissionId, body: { decision } });
      if (res.kind !== 'response' || res.status !== 200) violate(ctx, 'harness', `answering permission ${info.permissionId}: ${JSON.stringify(res).slice(0, 300)}`);
    }
    last = unsettled(ctx, snap);
    if (last.length === 0) {
      ctx.snap = snap;
      return snap;
    }
    if (Date.now() > deadline) {
      violate(ctx, 'settle', `did not settle within ${SETTLE_MS} ms: ${last.slice(0, 6).join('; ')}`);
      ctx.snap = snap;
      return snap;
    }
    await sleep(15);
  }
}
