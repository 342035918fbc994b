// Turns committed changes into push events: the rules say what happened, this addresses each notice to the
// account's subscribed phones (their settings, their foreground) and records it once per device.
import { newId } from '../tokens.ts';
import type { PushPayload } from '../../core/index.ts';
import type { CommittedChanges } from '../context.ts';
import type { Db } from '../db/open-database.ts';
import type { PushFacts } from './facts.ts';
import type { PushEventStore } from './push-events.ts';
import { machineOfflineNotice, noticesOf, type Notice } from './rules.ts';
import type { SubscriptionStore } from './subscriptions.ts';

/** Which session each phone shows in the foreground right now (what its app said over the events socket). */
export interface Presence {
  showing(deviceId: string, sessionId: string): boolean;
}

export interface NotifierOptions {
  readonly db: Db;
  readonly facts: PushFacts;
  readonly subscriptions: SubscriptionStore;
  readonly events: PushEventStore;
  readonly presence: Presence;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Called after events were queued. */
  readonly queued: () => void;
  /** A machine must stay offline this long before "offline" notifies (a daemon restart or a blip does not). */
  readonly machineOfflineGraceMs: number;
  /** false: no grace timers (tests that diff the database want no background writes). */
  readonly background: boolean;
}

export interface Notifier {
  /** The commit observer (ServerContext.observeCommits). */
  onCommit(changes: CommittedChanges): void;
  /** Queues a notice for every subscribed phone of its account; returns how many devices got a new event. */
  notify(notice: Notice): number;
  /** A test notification for one device, whatever its settings. */
  test(deviceId: string, accountId: string): string;
  stop(): void;
}

export function createNotifier(o: NotifierOptions): Notifier {
  const graceTimers = new Map<string, NodeJS.Timeout>();

  function payloadFor(notice: Notice, deviceId: string, previews: boolean): PushPayload {
    return {
      v: 1, eventId: notice.eventId, kind: notice.kind, deviceId, sessionId: notice.sessionId, tag: notice.tag,
      title: notice.title, body: previews ? notice.preview : notice.body, permission: notice.permission, at: o.now(),
    };
  }

  function notify(notice: Notice): number {
    const now = o.now();
    let added = 0;
    o.db.transaction(() => {
      for (const sub of o.subscriptions.live(notice.accountId)) {
        const settings = o.subscriptions.settings(sub.device_id);
        if (!settings.kinds[notice.kind]) continue;
        // Suppressed only while this phone shows this session; recorded, so a later retry does not notify either.
        const seen = notice.about.some((sid) => o.presence.showing(sub.device_id, sid));
        const payload = JSON.stringify(payloadFor(notice, sub.device_id, settings.previews));
        const fresh = o.events.insert({
          device_id: sub.device_id, event_id: notice.eventId, account_id: notice.accountId,
          state: seen ? 'suppressed' : 'pending', payload, urgency: notice.urgency,
        }, now);
        if (fresh && !seen) added++;
      }
    })();
    if (added > 0) o.queued();
    return added;
  }

  function armOffline(accountId: string, machine: { id: string; lastSeenAt: number | null }): void {
    if (!o.background) return;
    clearTimeout(graceTimers.get(machine.id));
    const timer = setTimeout(() => {
      graceTimers.delete(machine.id);
      const now = o.facts.machine(machine.id);
      // Back online, or offline again since (a newer event has its own timer): nothing to say.
      if (!now || now.online || now.lastSeenAt !== machine.lastSeenAt) return;
      const notice = machineOfflineNotice(accountId, { id: now.id, name: now.name, lastSeenAt: now.lastSeenAt }, o.facts.waitingOn(machine.id));
      if (notice) notify(notice);
    }, o.machineOfflineGraceMs);
    timer.unref();
    graceTimers.set(machine.id, timer);
  }

  return {
    onCommit(changes) {
      for (const notice of noticesOf(changes, o.facts)) notify(notice);
      for (const m of changes.machinesOffline) armOffline(m.accountId, m);
    },
    notify,
    test(deviceId, accountId) {
      const eventId = `test:${newId('t')}`;
      const payload: PushPayload = {
        v: 1, eventId, kind: 'test', deviceId, sessionId: null, tag: 'test', title: 'Baton',
        body: 'Notifications work on this phone.', permission: null, at: o.now(),
      };
      o.events.insert({ device_id: deviceId, event_id: eventId, account_id: accountId, state: 'pending', payload: JSON.stringify(payload), urgency: 'normal' }, o.now());
      o.queued();
      return eventId;
    },
    stop() {
      for (const t of graceTimers.values()) clearTimeout(t);
      graceTimers.clear();
    },
  };
}
