// The five invariants of DESIGN.md, checked against the server's database, the daemons' state files and
// the fakes' own records: per step (cheap, from a baseline taken before the op) and in full (transcripts, processes).
import { readFileSync } from 'node:fs';
import { MESSAGE_FAILURE_CODES, RESUME_FAILURE_CODES } from '../../src/core/index.ts';
import { violate, waitUntil, type SoakContext } from './context.ts';
import { isAlive, readDaemonState, readRecords, transcriptUserTexts, type DbSnapshot } from './observe.ts';

export interface Baseline {
  /** Per machine: how many lines each provider's record had before the op (records only grow). */
  readonly records: Map<string, number>[];
  readonly archived: Map<string, { vendorResumeId: string | null; attempts: number }>;
}

/** Stable facts remembered across steps (invariant 2 and "final means final"). */
export interface Memory {
  readonly vendorResumeIds: Map<string, string>;
  readonly vendorIds: Map<string, string>;
  readonly daemonVendorIds: Map<string, string>;
  readonly finalStates: Map<string, string>;
  /** `machine/pid` of every codex-mcp agent the daemons ran, with its session (seen in their state files). */
  readonly mcpAgents: Map<string, string>;
  /** `machine/pid` of codex-mcp agents that opened their conversation. */
  readonly mcpConversations: Set<string>;
}

export const newMemory = (): Memory => ({
  vendorResumeIds: new Map(), vendorIds: new Map(), daemonVendorIds: new Map(), finalStates: new Map(), mcpAgents: new Map(), mcpConversations: new Set(),
});

export async function baseline(ctx: SoakContext): Promise<Baseline> {
  const records: Map<string, number>[] = [];
  for (const m of ctx.cluster.machines) {
    const counts = new Map<string, number>();
    for (const r of await readRecords(m.fake)) counts.set(r.provider, (counts.get(r.provider) ?? 0) + 1);
    records.push(counts);
  }
  const archived = new Map<string, { vendorResumeId: string | null; attempts: number }>();
  for (const s of ctx.snap.sessions) {
    if (s.archived === 1) archived.set(s.id, { vendorResumeId: s.vendor_resume_id, attempts: ctx.snap.attempts.filter((a) => a.session_id === s.id).length });
  }
  return { records, archived };
}

/** After an op settled. `allowedCreates`: how many vendor sessions this op may create (a start: 1; anything else: 0). */
export async function checkStep(ctx: SoakContext, mem: Memory, before: Baseline, allowedCreates: number): Promise<void> {
  const snap = ctx.snap;
  // 1. Fail closed: only an explicit start creates a vendor session; a fork's id is never adopted.
  let createdNow = 0;
  const forkIds = new Set<string>();
  for (const [i, m] of ctx.cluster.machines.entries()) {
    const recs = await readRecords(m.fake);
    // Each provider's record is its own file: the lines past its count before the op are new.
    const seenOf = new Map(before.records[i]!);
    const fresh = recs.filter((r) => {
      const left = seenOf.get(r.provider) ?? 0;
      seenOf.set(r.provider, left - 1);
      return left <= 0;
    });
    for (const r of fresh.filter((x) => x.event === 'created')) {
      const agent = `${i}/${r.pid}`;
      if (r.via === 'mcp-server') {
        // codex mcp-server names its conversation only at the first message, so that turn creates it, once per agent
        // process (and one process per Baton session: codex-mcp never resumes).
        if (mem.mcpConversations.has(agent)) violate(ctx, 1, `the codex-mcp agent ${r.pid} on ${m.name} opened a second conversation ${r.vendorId}`);
        mem.mcpConversations.add(agent);
        if (mem.mcpAgents.has(agent)) continue;
      }
      createdNow++;
    }
    for (const r of recs) if (r.event === 'resumed' && r.requested && r.requested !== r.vendorId) forkIds.add(r.vendorId);
    // 5. Archive is hard: no vendor resume of a session that was archived when the op began.
    for (const r of fresh) {
      if (r.event !== 'resumed') continue;
      const wanted = r.requested ?? r.vendorId;
      for (const [id, a] of before.archived) if (a.vendorResumeId === wanted) violate(ctx, 5, `archived session ${id} was resumed by the vendor (${wanted})`);
    }
  }
  if (createdNow > allowedCreates) violate(ctx, 1, `${createdNow} vendor sessions created by an op that may create ${allowedCreates}`);
  const byResumeId = new Map<string, string>();
  for (const s of snap.sessions) {
    // A Claude fork has a transcript on disk, so the daemon may list it as a direct session (unmanaged); managing it is adopting it.
    for (const id of [s.vendor_id, s.vendor_resume_id]) if (id && forkIds.has(id) && s.managed === 1) violate(ctx, 1, `session ${s.id} adopted the forked vendor session ${id}`);
    if (s.vendor_resume_id) {
      const other = byResumeId.get(s.vendor_resume_id);
      if (other && other !== s.id) violate(ctx, 1, `sessions ${other} and ${s.id} share vendor session ${s.vendor_resume_id}`);
      byResumeId.set(s.vendor_resume_id, s.id);
    }
  }

  // 2. One identity: ids never change once set (server and daemon).
  for (const s of snap.sessions) {
    stable(ctx, mem.vendorResumeIds, s.id, s.vendor_resume_id, 'vendorResumeId');
    stable(ctx, mem.vendorIds, s.id, s.vendor_id, 'vendorId');
  }
  for (const [i, m] of ctx.cluster.machines.entries()) {
    const st = readDaemonState(m.home);
    for (const s of Object.values(st?.sessions ?? {})) {
      stable(ctx, mem.daemonVendorIds, s.sessionId, s.vendorId, `daemon ${m.name} vendorId`);
      if (s.backend === 'codex-mcp' && s.pid) mem.mcpAgents.set(`${i}/${s.pid}`, s.sessionId);
    }
  }
  // Pids come round again (pid_max is often 32768 and a long run spawns thousands of agents): forget the dead.
  for (const key of [...mem.mcpAgents.keys(), ...mem.mcpConversations]) {
    if (isAlive(Number(key.split('/')[1]))) continue;
    mem.mcpAgents.delete(key);
    mem.mcpConversations.delete(key);
  }

  // 3. No lost or doubled message (database side; transcripts in checkFull).
  checkMessages(ctx, mem, snap);
  checkDaemonDeliveries(ctx, snap);

  // 4. Truthful state: every failure is typed.
  for (const a of snap.attempts) {
    if (a.state === 'failed' && !(RESUME_FAILURE_CODES as readonly string[]).includes(a.code ?? '')) violate(ctx, 4, `attempt ${a.id} failed without a typed code (${a.code})`);
  }

  // 5. Archive is hard: no attempt started for a session archived when the op began; archived sessions do not run.
  for (const [id, a] of before.archived) {
    const now = snap.attempts.filter((x) => x.session_id === id).length;
    if (now !== a.attempts) violate(ctx, 5, `a resume attempt was started for archived session ${id}`);
  }
  for (const s of snap.sessions) if (s.archived === 1 && s.status === 'active') violate(ctx, 5, `session ${s.id} is archived and running`);
}

function stable(ctx: SoakContext, map: Map<string, string>, key: string, value: string | null, what: string): void {
  const prev = map.get(key);
  if (prev === undefined) {
    if (value) map.set(key, value);
  } else if (value !== prev) violate(ctx, 2, `${what} of session ${key} changed from ${prev} to ${value}`);
}

function checkMessages(ctx: SoakContext, mem: Memory, snap: DbSnapshot): void {
  const rows = new Map<string, typeof snap.userMessages>();
  for (const m of snap.userMessages) {
    const key = `${m.session_id}/${m.client_id}`;
    rows.set(key, [...(rows.get(key) ?? []), m]);
  }
  const known = new Set<string>();
  for (const send of ctx.sends) {
    const key = `${send.sessionId}/${send.clientId}`;
    known.add(key);
    const found = rows.get(key) ?? [];
    if (send.outcome === 'lost') continue;
    if (send.outcome === 'refused') {
      if (found.length !== 0) violate(ctx, 3, `refused message ${send.clientId} was stored anyway`);
      continue;
    }
    if (found.length !== 1) {
      violate(ctx, 3, `message ${send.clientId} is stored ${found.length} times`);
      continue;
    }
    const m = found[0]!;
    if (m.text !== send.text) violate(ctx, 3, `message ${send.clientId} text changed`);
    // Unanswered: written once to an agent whose turn ended without an answer, or that went away mid-turn (turn-lost).
    if (m.state !== 'delivered' && m.state !== 'answered' && m.state !== 'unanswered' && m.state !== 'failed') violate(ctx, 3, `message ${send.clientId} settled as ${m.state}`);
    const typed = (MESSAGE_FAILURE_CODES as readonly string[]).includes(m.failure_code ?? '');
    if ((m.state === 'failed' && (!typed || !m.failure_detail)) || (m.state === 'unanswered' && !typed)) {
      violate(ctx, 3, `message ${send.clientId} failed without a typed reason (${m.failure_code}: ${m.failure_detail})`);
    }
    const prev = mem.finalStates.get(key);
    if ((prev === 'failed' || prev === 'answered' || prev === 'unanswered') && m.state !== prev) violate(ctx, 3, `message ${send.clientId} went from ${prev} to ${m.state}`);
    if (m.state) mem.finalStates.set(key, m.state);
  }
  for (const key of rows.keys()) if (!known.has(key)) violate(ctx, 3, `a user message no phone sent: ${key}`);
}

/**
 * The daemons' side of invariant 3: each records a message id once, before writing it to the agent, so every
 * message the server shows delivered is in its machine's record exactly once, and no other machine has it.
 */
function checkDaemonDeliveries(ctx: SoakContext, snap: DbSnapshot): void {
  const sessionsOf = new Map(snap.sessions.map((s) => [s.id, s.machine_id]));
  const recorded = new Map<string, string[]>();
  for (const m of ctx.cluster.machines) {
    for (const [sessionId, ids] of Object.entries(readDaemonState(m.home)?.delivered ?? {})) {
      for (const id of ids) recorded.set(`${sessionId}/${id}`, [...(recorded.get(`${sessionId}/${id}`) ?? []), m.machineId]);
    }
  }
  const forgettable = new Set(ctx.sessions.filter((s) => s.everArchived).map((s) => s.id));
  for (const msg of snap.userMessages) {
    if (msg.state !== 'delivered' && msg.state !== 'answered') continue;
    const on = recorded.get(`${msg.session_id}/${msg.id}`) ?? [];
    // A forgotten session's ids are dropped on purpose; it may still never have one recorded twice or elsewhere.
    if (on.length === 0 && forgettable.has(msg.session_id)) continue;
    if (on.length !== 1 || on[0] !== sessionsOf.get(msg.session_id)) {
      violate(ctx, 3, `message ${msg.client_id} is ${msg.state} but its daemon records it ${on.length} times (${on.join(', ')})`);
    }
  }
}

/** The expensive part: vendor transcripts (written once per message, never for a failed one), forks and strays stopped. */
export async function checkFull(ctx: SoakContext): Promise<void> {
  const snap = ctx.snap;
  const byKey = new Map(snap.userMessages.map((m) => [`${m.session_id}/${m.client_id}`, m]));
  const rowById = new Map(snap.sessions.map((s) => [s.id, s]));
  for (const [i, machine] of ctx.cluster.machines.entries()) {
    const transcripts = transcriptUserTexts(machine.fake);
    const recs = await readRecords(machine.fake);
    const forks = new Set(recs.filter((r) => r.event === 'resumed' && r.requested && r.requested !== r.vendorId).map((r) => r.vendorId));
    const sessionsHere = new Set(ctx.sessions.filter((s) => s.machine === i).map((s) => s.id));
    for (const send of ctx.sends) {
      if (send.outcome !== 'stored' || !sessionsHere.has(send.sessionId)) continue;
      const m = byKey.get(`${send.sessionId}/${send.clientId}`);
      const row = rowById.get(send.sessionId);
      const own = row?.vendor_resume_id ?? row?.vendor_id ?? null;
      // Where the text was written, by vendor session. A Claude fork sees its first message before its id shows
      // (DESIGN: strict resume); that copy is in the fork, which was stopped, and the message is failed.
      let mine = 0;
      const elsewhere: string[] = [];
      for (const [vendorId, texts] of transcripts) {
        const n = texts.get(send.text) ?? 0;
        if (n === 0 || forks.has(vendorId)) continue;
        // codex-mcp names its Codex thread apart from Baton's id for it: any non-fork transcript is its own.
        if (vendorId === own || row?.backend === 'codex-mcp') mine += n;
        else elsewhere.push(vendorId);
      }
      if (mine > 1) violate(ctx, 3, `message ${send.clientId} was written to its agent ${mine} times`);
      if (elsewhere.length > 0) violate(ctx, 1, `message ${send.clientId} of session ${send.sessionId} (${own}) reached other vendor sessions: ${elsewhere.join(', ')}`);
      if (m?.state === 'failed' && mine > 0) violate(ctx, 3, `message ${send.clientId} is shown failed (${m.failure_code}) but its agent has it`);
      if (m?.state === 'answered' && mine === 0 && (row?.backend === 'claude-stream' || row?.backend === 'codex-app-server')) {
        violate(ctx, 4, `message ${send.clientId} is shown answered but the agent never took it`);
      }
    }
    // A fork the vendor made on resume, and any agent the daemon no longer runs, must be stopped.
    const forkPids = recs.filter((r) => r.event === 'resumed' && r.requested && r.requested !== r.vendorId).map((r) => r.pid);
    const stray = await waitUntil(async () => {
      const st = readDaemonState(machine.home);
      const running = new Set(Object.values(st?.sessions ?? {}).flatMap((s) => (s.pid ? [s.pid] : [])));
      const daemonPid = machine.child?.pid;
      const live = (await machine.fake.livePids()).filter((p) => p !== daemonPid && !running.has(p) && isAlive(p) && !isShortLived(p));
      const forks = forkPids.filter(isAlive);
      return live.length === 0 && forks.length === 0 ? 'clean' : null;
    }, 3_000, 100);
    if (!stray) {
      const st = readDaemonState(machine.home);
      const running = new Set(Object.values(st?.sessions ?? {}).flatMap((s) => (s.pid ? [s.pid] : [])));
      const live = (await machine.fake.livePids()).filter((p) => p !== machine.child?.pid && !running.has(p) && isAlive(p) && !isShortLived(p));
      const forks = forkPids.filter(isAlive);
      if (forks.length > 0) violate(ctx, 1, `forked vendor processes still running on ${machine.name}: ${forks.join(', ')}`);
      if (live.length > 0) violate(ctx, 1, `agent processes on ${machine.name} that no session owns: ${live.map(describePid).join('; ')}`);
    }
  }
}

/** Only fake agents count: `--version` probes come and go, and tsx's esbuild helper is the daemon's own. */
function isShortLived(pid: number): boolean {
  const cmd = describePid(pid);
  return cmd.includes('--version') || !cmd.includes('test/fakes/');
}

function describePid(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
  } catch {
    return String(pid);
  }
}
