// The two-instance soak's faults: SIGKILL one instance (its machines reconnect through the balancer to the other),
// and SIGKILLs aimed at a message crossing instances — the phone on one, the machine on the other — while it waits
// for its ack or for its resume. Victims are named by role (the phone's instance, the machine's), so the same seed
// kills the same role every run wherever the balancer happened to put the sockets.
import { bump, machineOf, violate, waitUntil, type LedgerSession, type SoakContext } from './context.ts';
import { machineOnline, send, sendWhileDown } from './ops.ts';
import type { SoakPhone } from './phone.ts';

export type Side = 'phone' | 'machine';

/** A phone pinned to instance `i` (there is one per instance). */
function pinnedTo(ctx: SoakContext, i: number): SoakPhone {
  const at = ctx.cluster.phoneInstance.indexOf(i);
  if (at < 0) throw new Error(`no phone is pinned to instance ${i}`);
  return ctx.phones[at]!;
}

/** Until every machine in `moved` was welcomed again (by a live instance: the balancer sends nowhere else). */
async function reconnected(ctx: SoakContext, moved: readonly number[], welcomesBefore: readonly number[]) {
  for (const m of moved) {
    const node = ctx.cluster.machines[m]!;
    const ok = await waitUntil(() => node.welcomes() > welcomesBefore[m]! && ctx.cluster.machineInstance(m) !== null, 15_000);
    if (!ok) violate(ctx, 'settle', `${node.name} did not reconnect to a live instance`);
  }
}

async function restart(ctx: SoakContext, i: number) {
  await ctx.cluster.startInstance(i);
  for (const m of ctx.cluster.machines.keys()) await machineOnline(ctx, m, true);
}

/** Kills instance `victim` and waits until the machines it held are welcomed by another. */
async function killAndMove(ctx: SoakContext, victim: number) {
  const { machines } = ctx.cluster;
  const moved = [...machines.keys()].filter((m) => ctx.cluster.machineInstance(m) === victim);
  const welcomes = machines.map((m) => m.welcomes());
  await ctx.cluster.killInstance(victim);
  await reconnected(ctx, moved, welcomes);
}

/**
 * SIGKILL one instance. While it is down a phone through the balancer sends (the other instance takes it, and
 * delivers it to the machine wherever its socket now is), and the phone pinned to the dead one cannot connect: its
 * outbox sends the same client id again once the instance is back.
 */
export async function killInstance(ctx: SoakContext, victim: number) {
  bump(ctx.counters.faults, `kill-instance-${ctx.cluster.instances[victim]!.name}`);
  await killAndMove(ctx, victim);
  let retry: (() => Promise<void>) | null = null;
  if (ctx.sessions.length > 0) {
    await send(ctx, ctx.rng.pick(ctx.sessions), { via: ctx.phones[0]! });
    retry = await sendWhileDown(ctx, ctx.rng.pick(ctx.sessions), pinnedTo(ctx, victim));
  }
  await restart(ctx, victim);
  await retry?.();
}

/** The instances a message crosses: the machine's socket on one, the phone pinned to the other. */
function crossing(ctx: SoakContext, s: LedgerSession): { machineAt: number; phoneAt: number } | null {
  const machineAt = ctx.cluster.machineInstance(s.machine);
  if (machineAt === null) {
    violate(ctx, 'harness', `${machineOf(ctx, s).name} holds no socket on any instance after settling`);
    return null;
  }
  return { machineAt, phoneAt: (machineAt + 1) % ctx.cluster.instances.length };
}

/**
 * A message to a live session, sent to the instance the machine is not on, and a SIGKILL of one of the two before the
 * daemon acked it: the daemon is held (SIGSTOP) from before the send until after the kill, so the message is stored
 * and unacked at the kill every run. After it the message is delivered exactly once (the daemon dedupes a repeat).
 */
export async function killInstanceMidSend(ctx: SoakContext, s: LedgerSession, side: Side) {
  bump(ctx.counters.faults, `kill-instance-mid-send (${side}'s)`);
  const at = crossing(ctx, s);
  if (!at) return;
  const victim = side === 'machine' ? at.machineAt : at.phoneAt;
  const daemon = machineOf(ctx, s).child;
  if (!daemon?.pid) return violate(ctx, 'harness', `${machineOf(ctx, s).name} runs no daemon`);
  const welcomes = ctx.cluster.machines.map((m) => m.welcomes());
  process.kill(daemon.pid, 'SIGSTOP');
  try {
    const r = await send(ctx, s, { via: pinnedTo(ctx, at.phoneAt) });
    const clientId = ctx.sends[ctx.sends.length - 1]!.clientId;
    const row = ctx.observer.snapshot().userMessages.find((m) => m.session_id === s.id && m.client_id === clientId);
    if (r.kind === 'response' && r.status === 202 && row?.state === 'accepted') bump(ctx.counters.windows, `kill-instance-mid-send: stored, not acked`);
    await ctx.cluster.killInstance(victim);
  } finally {
    process.kill(daemon.pid, 'SIGCONT');
  }
  if (side === 'machine') await reconnected(ctx, [s.machine], welcomes);
  await restart(ctx, victim);
}

/**
 * A send that needs a resume, to the instance the machine is not on, the vendor slowed down, and a SIGKILL of the
 * phone's instance (which asked for the resume) or the machine's (which carries it) while the attempt is pending.
 */
export async function killInstanceDuringResume(ctx: SoakContext, s: LedgerSession, side: Side) {
  bump(ctx.counters.faults, `kill-instance-during-resume (${side}'s)`);
  const at = crossing(ctx, s);
  if (!at) return;
  const victim = side === 'machine' ? at.machineAt : at.phoneAt;
  const m = machineOf(ctx, s);
  await m.fake.setFaults(['slow-start']);
  try {
    const r = await send(ctx, s, { via: pinnedTo(ctx, at.phoneAt) });
    if (r.kind === 'response' && r.status === 202 && r.body.message.state !== 'awaiting-resume') {
      violate(ctx, 'harness', `expected a resume, message is ${r.body.message.state}`);
    }
    const pending = ctx.observer.snapshot().attempts.some((a) => a.session_id === s.id && a.state === 'pending');
    if (pending) bump(ctx.counters.windows, 'kill-instance-during-resume: attempt pending');
    const welcomes = ctx.cluster.machines.map((x) => x.welcomes());
    await ctx.cluster.killInstance(victim);
    if (side === 'machine') await reconnected(ctx, [s.machine], welcomes);
    await restart(ctx, victim);
  } finally {
    await m.fake.setFaults([]);
  }
}

/** The balancer drops a machine's connection (a reload, an idle cut): the daemon reconnects, round robin. */
export async function cutMachineLink(ctx: SoakContext, machine: number) {
  bump(ctx.counters.faults, 'cut-machine-link');
  const welcomes = ctx.cluster.machines.map((x) => x.welcomes());
  ctx.cluster.balancer!.cut(ctx.cluster.machines[machine]!.name);
  await reconnected(ctx, [machine], welcomes);
}
