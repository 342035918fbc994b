// Records as clients see them, with availability evaluated on the facts in the database right now.
import { evaluateAvailability, type Availability, type SessionRecord } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import { toAttemptRecord } from './store/resume-attempts.ts';
import type { SessionRow } from './store/sessions.ts';
import type { MachineCapabilities, RetryNotice } from '../core/index.ts';

export function availabilityOf(ctx: ServerContext, row: SessionRow): Availability {
  const { stores } = ctx;
  const machine = stores.machines.byId(row.machine_id);
  return evaluateAvailability({
    managed: row.managed === 1,
    archived: row.archived === 1,
    status: row.status,
    backend: row.backend,
    vendorResumeId: row.vendor_resume_id,
    resumeInFlight: stores.attempts.pendingOfSession(row.id) !== undefined,
    startInFlight: row.start_request_id !== null,
    disabledBackends: stores.settings.get(row.account_id).disabledBackends,
    machine: machine
      ? {
          name: machine.name,
          online: machine.online === 1,
          lastSeenAt: machine.last_seen_at,
          capabilities: machine.capabilities === null ? null : (JSON.parse(machine.capabilities) as MachineCapabilities),
        }
      : null,
  });
}

export function sessionView(ctx: ServerContext, row: SessionRow): SessionRecord {
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
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    availability: availabilityOf(ctx, row),
    lastResume: last ? toAttemptRecord(last) : null,
    cursor: row.cursor,
  };
}
