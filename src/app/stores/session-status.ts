// What the phone says about a session: availability (server's when live, re-evaluated on cached facts when not) and its chip.
import { canCompose, describeBlock, type Availability, type BlockReason } from '../../core/availability.ts';
import { availabilityOnRecords, currentAvailability } from '../../core/derived-availability.ts';
import type { MachineRecord, SessionRecord, SettingsRecord } from '../../core/records.ts';
import { formatTime } from '../lib/time.ts';

export interface SessionStatus {
  readonly availability: Availability;
  /** Short label for the chip: "live", "waiting for approval", "inactive · resumable", "blocked: archived", … */
  readonly chip: string;
  readonly tone: 'live' | 'ok' | 'busy' | 'blocked' | 'offline';
  readonly canCompose: boolean;
  /** "Resume & send" when sending will resume first. */
  readonly sendLabel: string;
  /** For a blocked session: the sentence and its fix. */
  readonly block: { reason: BlockReason; sentence: string; fix: string } | null;
}

export const REASON_LABEL: Readonly<Record<BlockReason, string>> = {
  'not-managed': 'not managed',
  archived: 'archived',
  'missing-resume-id': 'no resume id',
  'backend-unsupported': 'backend can’t resume',
  'backend-disabled': 'backend disabled',
  'dependency-missing': 'dependency missing',
  'machine-offline': 'machine offline',
};

/**
 * `fresh`: the records come from a sync over a live connection, so the server's availability holds (re-evaluated
 * only where the machine record is newer than the session's: the server sends one machine change, not its sessions).
 * Otherwise the same rule runs on what the phone last knew (and the screen says "as of").
 */
export function sessionStatus(session: SessionRecord, machine: MachineRecord | undefined, settings: SettingsRecord | null, fresh: boolean, now: number): SessionStatus {
  const availability = fresh ? currentAvailability(session, machine, settings) : cachedAvailability(session, machine, settings);
  const status = describe(availability, machine, now);
  // Offline, "live" is only what was last known: say so on the chip (the composer still queues for it).
  if (!fresh && availability.state === 'live') return { ...status, chip: 'was live' };
  // The agent stopped mid-turn for the user's Allow/Deny: that is what the user needs to see first.
  if (availability.state === 'live' && session.awaitingPermission) return { ...status, chip: 'waiting for approval', tone: 'busy' };
  if (availability.state === 'live' && session.agentRetry) return { ...status, chip: 'retrying', tone: 'busy' };
  return status;
}

export function cachedAvailability(session: SessionRecord, machine: MachineRecord | undefined, settings: SettingsRecord | null): Availability {
  return availabilityOnRecords(session, machine, settings);
}

function describe(a: Availability, machine: MachineRecord | undefined, now: number): SessionStatus {
  const compose = canCompose(a);
  switch (a.state) {
    case 'live':
      return { availability: a, chip: 'live', tone: 'live', canCompose: compose, sendLabel: 'Send', block: null };
    case 'resumable':
      return { availability: a, chip: 'inactive · resumable', tone: 'ok', canCompose: compose, sendLabel: 'Resume & send', block: null };
    case 'resuming':
      return { availability: a, chip: 'resuming', tone: 'busy', canCompose: compose, sendLabel: 'Send', block: null };
    case 'blocked': {
      const lastSeen = machine?.lastSeenAt ? formatTime(machine.lastSeenAt, now) : undefined;
      const text = describeBlock(a.reason, a.detail, lastSeen);
      const chip = a.reason === 'machine-offline' ? `machine offline${lastSeen ? ` since ${lastSeen}` : ''}` : `blocked: ${REASON_LABEL[a.reason]}`;
      // An offline machine is the one block that clears by itself: a message sent now waits for it (held by the
      // server, or queued here) and goes through the strict resume when it reconnects.
      const waits = a.reason === 'machine-offline';
      return { availability: a, chip, tone: waits ? 'offline' : 'blocked', canCompose: waits, sendLabel: 'Send', block: { reason: a.reason, ...text } };
    }
  }
}
