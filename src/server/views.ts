// Records as clients see them, with availability evaluated on the facts in the database right now.
import { evaluateAvailability, type Availability, type AvailabilityFacts, type Backend, type MachineCapabilities, type RetryNotice, type SessionRecord } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import { toAttemptRecord } from './store/resume-attempts.ts';
import type { SessionRow } from './store/sessions.ts';

/**
 * Facts shared by many sessions (their machine, their account's settings), read once per request: a page of
 * a thousand sessions on one machine reads that machine once, not a thousand times.
 */
export interface ViewMemo {
  readonly machines: Map<string, AvailabilityFacts['machine']>;
  readonly disabledBackends: Map<string, readonly Backend[]>;
}

export const newViewMemo = (): ViewMemo => ({ machines: new Map(), disabledBackends: new Map() });

function machineFacts(ctx: ServerContext, machineId: string, memo: ViewMemo): AvailabilityFacts['machine'] {
  if (memo.machines.has(machineId)) return memo.machines.get(machineId)!;
  const machine = ctx.stores.machines.byId(machineId);
  const facts = machine
    ? {
        name: machine.name,
        online: machine.online === 1,
        lastSeenAt: machine.last_seen_at,
        capabilities: machine.capabilities === null ? null : (JSON.parse(machine.capabilities) as MachineCapabilities),
      }
    : null;
  memo.machines.set(machineId, facts);
  return facts;
}

function disabledBackends(ctx: ServerContext, accountId: string, memo: ViewMemo): readonly Backend[] {
  let d = memo.disabledBackends.get(accountId);
  if (!d) memo.disabledBackends.set(accountId, (d = ctx.stores.settings.get(accountId).disabledBackends));
  return d;
}

/** `memo`: only within one read (a transaction); a fresh one each time otherwise. */
export function availabilityOf(ctx: ServerContext, row: SessionRow, memo: ViewMemo = newViewMemo()): Availability {
  return evaluateAvailability({
    managed: row.managed === 1,
    archived: row.archived === 1,
    status: row.status,
    backend: row.backend,
    vendorResumeId: row.vendor_resume_id,
    resumeInFlight: ctx.stores.attempts.pendingOfSession(row.id) !== undefined,
    startInFlight: row.start_request_id !== null,
    disabledBackends: disabledBackends(ctx, row.account_id, memo),
    machine: machineFacts(ctx, row.machine_id, memo),
  });
}

export function sessionView(ctx: ServerContext, row: SessionRow, memo: ViewMemo = newViewMemo()): SessionRecord {
  const last = ctx.stores.attempts.last(row.id);
  return {
    id: row.id,
    machineId: row.machine_id,
    provider: row.provider,
    backend: row.backend,
    cwd: row.cwd,
    title: row.title,
    managed: row.managed === 1,
    status: row.status,
    archived: row.archived === 1,
    vendorId: row.vendor_id,
    vendorResumeId: row.vendor_resume_id,
    awaitingPermission: row.awaiting_permission === 1,
    agentRetry: row.agent_retry === null ? null : (JSON.parse(row.agent_retry) as RetryNotice),
    permissionMode: row.permission_mode ?? null,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    availability: availabilityOf(ctx, row, memo),
    lastResume: last ? toAttemptRecord(last) : null,
    cursor: row.cursor,
  };
}
