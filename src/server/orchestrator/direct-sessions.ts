// A machine's listing of provider-native ("direct") sessions: new ones appear, changed ones are updated, and
// those gone from the vendor's store (for backends listed in full) leave the list. Managed sessions are untouched.
import type { MachineUp } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import { newId } from '../tokens.ts';

type Listing = Extract<MachineUp, { type: 'direct-sessions' }>;

export function applyDirectSessions(ctx: ServerContext, tx: Tx, machineId: string, msg: Listing): void {
  const { stores } = ctx;
  const machine = stores.machines.byId(machineId)!;
  const listed = new Set<string>(msg.sessions.map((d) => d.vendorResumeId));
  const complete = new Set<string>(msg.complete ?? []);
  if (complete.size > 0) {
    for (const old of stores.sessions.directOf(machineId)) {
      if (complete.has(old.backend) && !listed.has(old.vendor_resume_id ?? '')) stores.sessions.removeDirect(old, tx.cursor(old.account_id));
    }
  }
  for (const d of msg.sessions) {
    const existing = stores.sessions.byVendorId(machineId, d.vendorResumeId);
    if (existing) {
      if (existing.managed === 0 && (existing.title !== (d.title || existing.title) || existing.last_activity_at !== d.updatedAt)) {
        stores.sessions.update(existing.id, tx.cursor(existing.account_id), { title: d.title || existing.title, last_activity_at: d.updatedAt });
      }
      continue;
    }
    stores.sessions.insert({
      id: newId('ses'), account_id: machine.account_id, machine_id: machineId, provider: d.provider, backend: d.backend,
      cwd: d.cwd, title: d.title || d.cwd, managed: 0, status: 'inactive', vendor_id: d.vendorResumeId,
      vendor_resume_id: d.vendorResumeId, start_request_id: null, created_at: d.updatedAt, last_activity_at: d.updatedAt,
      cursor: tx.cursor(machine.account_id),
    });
  }
}
