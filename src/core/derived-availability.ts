// A session's availability worked out on the client from the records it holds, so the server need not resend
// every session of a machine whose presence or capabilities changed (one machine record says it all).
import { evaluateAvailability, type Availability } from './availability.ts';
import type { MachineRecord, SessionRecord, SettingsRecord } from './records.ts';

/** The one rule on a session record and its machine's record (what a phone has in its cache). */
export function availabilityOnRecords(session: SessionRecord, machine: MachineRecord | undefined, settings: SettingsRecord | null): Availability {
  return evaluateAvailability({
    managed: session.managed,
    archived: session.archived,
    status: session.status,
    backend: session.backend,
    vendorResumeId: session.vendorResumeId,
    // A start or a resume in flight reads `resuming` on the server; a machine going away fails both, and that
    // stamps the session, so it is resent with its new state.
    resumeInFlight: session.availability.state === 'resuming' || session.lastResume?.state === 'pending',
    disabledBackends: settings?.disabledBackends ?? [],
    machine: machine ? { name: machine.name, online: machine.online, lastSeenAt: machine.lastSeenAt, capabilities: machine.capabilities } : null,
  });
}

/**
 * The availability that holds given the newest records: the server's own answer, unless the session's machine
 * changed after the session did (`machine.cursor > session.cursor`). The server then did not resend the session
 * (its facts did not change), so the rule runs again on its facts and the newer machine record, which is what
 * the server would answer now.
 */
export function currentAvailability(session: SessionRecord, machine: MachineRecord | undefined, settings: SettingsRecord | null): Availability {
  if (!machine || machine.cursor <= session.cursor) return session.availability;
  return availabilityOnRecords(session, machine, settings);
}
