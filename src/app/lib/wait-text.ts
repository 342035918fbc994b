// What a waiting message says it waits for, in words and times people read ("waiting for “laptop” — last seen 2 min ago").
import { formatTime, formatUntil } from '../../core/human-time.ts';
import type { OutboxWait } from './outbox-item.ts';
import { expiresAt } from './outbox-item.ts';
import type { UserEntry } from './transcript-rows.ts';

export interface WaitFacts {
  /** The session's machine as the phone knows it. */
  readonly machine: { readonly name: string; readonly online: boolean; readonly lastSeenAt: number | null } | null;
  readonly deviceOffline: boolean;
  /** Whether the machine's record is live (socket up, caught up): a cached "online" may be long gone. */
  readonly fresh: boolean;
  readonly now: number;
}

const machineWords = (name: string | null, lastSeenAt: number | null, now: number) =>
  `waiting for ${name ? `“${name}”` : 'its machine'}${lastSeenAt ? ` — last seen ${formatTime(lastSeenAt, now)}` : ''}`;

/** The line under a message that waits, or null when it does not (or nothing useful can be said). */
export function waitText(entry: UserEntry, facts: WaitFacts): string | null {
  const { machine, now } = facts;
  if (entry.state === 'waiting') {
    // The server holds it; it goes through the strict resume the moment the machine says hello.
    const words = machine?.online && facts.fresh
      ? `“${machine.name}” is back — sending it through the same session`
      : machineWords(machine?.name ?? null, machine?.lastSeenAt ?? null, now);
    return entry.heldUntil ? `${words} · gives up ${formatUntil(entry.heldUntil, now)}` : words;
  }
  if (entry.state !== 'queued') return null;
  const until = entry.item ? ` · gives up ${formatUntil(expiresAt(entry.item), now)}` : '';
  const wait: OutboxWait | null = entry.wait;
  if (facts.deviceOffline) return `waiting for the network${until}`;
  if (!wait) return null;
  switch (wait.kind) {
    case 'network':
      return `waiting for the server — not reachable since ${formatTime(wait.since, now)}; tries again by itself${until}`;
    case 'server':
      return `waiting for the server — it answered ${wait.status} ${formatTime(wait.since, now)}; tries again by itself${until}`;
    case 'rate-limited':
      return `waiting — this phone sent too fast; tries again in a moment${until}`;
    case 'machine':
      return `${machineWords(machine?.name ?? wait.machine, machine?.lastSeenAt ?? wait.lastSeenAt, now)}${until}`;
  }
}
