// Runs the active server profile: cache, events socket, catch-up, and the outbox triggers (online, foreground, socket back, machine back, retry timer, Background Sync).
import { atom } from 'nanostores';
import type { PhoneDown } from '../../core/phone-protocol.ts';
import { asSessionId } from '../../core/ids.ts';
import { CloseCode } from '../../core/socket-codes.ts';
import { ApiError, type ApiClient } from '../lib/api-client.ts';
import { afterNextPaint } from '../lib/after-paint.ts';
import { onWorkerFlush, registerOutboxSync, syncEpisodeOver } from '../lib/background-sync.ts';
import { openCache, type CacheDb } from '../lib/cache-db.ts';
import { pruneCache } from '../lib/cache-prune.ts';
import { takeEarlyCache } from '../lib/early-start.ts';
import { connectEvents } from '../lib/events-socket.ts';
import type { ServerProfile } from '../lib/profiles-db.ts';
import { createRetryTimer } from '../lib/retry-timer.ts';
import { applyServerMessage, enqueueMessage, flushOutbox, loadOutbox, onOutboxChange, $outbox, type FlushReport } from './outbox.ts';
import { reconcileOutbox } from './outbox-reconcile.ts';
import { apiFor } from './profiles.ts';
import { askToKeepStorage } from './storage-durability.ts';
import { $connection, $machines, paintFromCache, resetSyncStores, syncNow } from './sync.ts';
import { $transcript, applyLiveMessage, catchUp } from './transcript.ts';

export interface Runtime {
  readonly profile: ServerProfile;
  readonly db: CacheDb;
  readonly api: ApiClient;
  /** Catch up over HTTP now (sessions, machines, the open transcript). */
  readonly refresh: () => Promise<void>;
  /** Send what the outbox holds (failures schedule the next try on the shared backoff). */
  readonly flush: () => Promise<FlushReport>;
  /** Queue a message on the phone first, then flush (a failed try schedules the next; offline, Background Sync too). */
  readonly send: (sessionId: string, text: string) => Promise<void>;
}

export const $runtime = atom<Runtime | null>(null);

const PRUNE_EVERY_MS = 10 * 60_000;

const deviceOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;

/** Start running `profile`; the disposer stops the socket and every listener. */
export function startProfile(profile: ServerProfile): () => void {
  const disposers: Array<() => void> = [];
  let stopped = false;
  // A stopped runtime's late callbacks (a catch-up still in flight, its socket closing) must not
  // speak for the runtime that replaced it.
  let revoked = false;
  let stopSocket = () => {};
  const setConnection = (c: 'live' | 'connecting' | 'offline' | 'revoked') => {
    if (stopped || (revoked && c !== 'revoked')) return;
    $connection.set(c);
  };
  /** The server refused this phone's token: say so (not "offline"), and stop asking until it pairs again. */
  const markRevoked = () => {
    revoked = true;
    setConnection('revoked');
    stopSocket();
  };
  resetSyncStores();
  setConnection(deviceOffline() ? 'offline' : 'connecting');
  $outbox.set([]);

  void (async () => {
    // The cache opened and read at start-up (early-start.ts), if it was this profile's.
    const early = await takeEarlyCache(profile.id);
    const db = early?.db ?? (await openCache(profile.id));
    if (stopped) return db.close();
    const api = apiFor(profile);
    let socketOpen = false;

    // Bound the cache after a catch-up, now and then (not on every one: it walks the messages index).
    let prunedAt = 0;
    const maybePrune = () => {
      if (Date.now() - prunedAt < PRUNE_EVERY_MS) return;
      prunedAt = Date.now();
      void pruneCache(db).catch(() => {});
    };

    let syncing: Promise<void> | null = null;
    let again = false;
    const refresh = (): Promise<void> => {
      if (syncing) {
        again = true;
        return syncing;
      }
      syncing = (async () => {
        try {
          do {
            again = false;
            await syncNow(db, api);
            const open = $transcript.get().sessionId;
            if (open) await catchUp(db, open, api);
          } while (again);
          maybePrune();
          // Live only when the socket is up and the catch-up after it succeeded. A catch-up that
          // finishes after the device went offline must not say "live" again.
          setConnection(socketOpen && !deviceOffline() ? 'live' : 'offline');
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) markRevoked();
          else setConnection('offline');
        } finally {
          syncing = null;
        }
      })();
      return syncing;
    };

    // The outbox's own clock while the server is out of reach: one pending try, on the shared backoff. Every
    // real signal (online, foreground, the socket back, a machine back, a sync event) tries at once as well.
    const retry = createRetryTimer(() => void flush());
    disposers.push(() => retry.stop());
    let kickSocket = () => {};
    const flush = async (): Promise<FlushReport> => {
      const report = await flushOutbox(db, api);
      if (stopped) return report;
      if (report.stoppedBy === null) {
        retry.reset();
        syncEpisodeOver();
        // The server answered: if the socket is still waiting out its backoff, it need not.
        if (report.sent.length > 0 && !socketOpen) kickSocket();
        return report;
      }
      retry.failed();
      // Only an offline device gains from Background Sync: online, a registration fires at once (see background-sync.ts).
      if (report.stoppedBy === 'network' && deviceOffline()) void registerOutboxSync();
      return report;
    };

    const send = async (sessionId: string, text: string): Promise<void> => {
      await enqueueMessage(db, sessionId, text);
      // Not awaited: a browser may ask the user, and sending must not wait for the answer.
      void askToKeepStorage();
      await flush();
    };

    // What this phone shows, for the server's push rule: no notification about the session its user is looking at.
    let told: string | null | undefined;
    const tellForeground = (force = false) => {
      const shown = document.visibilityState === 'visible' ? $transcript.get().sessionId : null;
      if (!force && shown === told) return;
      if (socket?.send({ type: 'foreground', sessionId: shown === null ? null : asSessionId(shown) })) told = shown;
    };
    let socket: ReturnType<typeof connectEvents> | null = null;

    const onFrame = (frame: PhoneDown) => {
      switch (frame.type) {
        case 'welcome':
          tellForeground(true);
          // Catch up before trusting the socket; then learn what happened to sent messages while away, and send what waited.
          void refresh()
            .then(() => reconcileOutbox(db, api))
            .catch(() => {})
            .then(flush);
          break;
        case 'changed':
          void refresh();
          break;
        case 'message':
          void (async () => {
            const gap = await applyLiveMessage(db, frame.message);
            await applyServerMessage(db, frame.message);
            if (gap) await catchUp(db, frame.message.sessionId, api).catch(() => {});
          })();
          break;
        case 'pong':
        case 'error':
          break;
      }
    };

    $runtime.set({ profile, db, api, refresh, flush, send });
    await paintFromCache(db, early?.snapshot);
    await loadOutbox(db);
    disposers.push(onOutboxChange((changed) => changed === db && void loadOutbox(db)));
    // Let the cached list reach the screen first: opening the socket and wiring listeners is main-thread
    // work that would otherwise sit between the rows and their first frame on a slow phone.
    await afterNextPaint();
    if (stopped) {
      db.close();
      if ($runtime.get()?.db === db) $runtime.set(null);
      return;
    }

    socket = connectEvents({
      server: profile.server,
      auth: { token: profile.token },
      onFrame,
      onState: (s) => {
        socketOpen = s === 'open';
        // "live" waits for the catch-up after welcome (see refresh); a closed socket is offline at once.
        if (s === 'closed') setConnection('offline');
      },
      // The token is not (or no longer) valid; a check over HTTP confirms before the screen says revoked.
      onClose: (code) => {
        if (code === CloseCode.unauthorized) void api.call('listDevices').catch((e: unknown) => e instanceof ApiError && e.status === 401 && markRevoked());
      },
    });
    const live = socket;
    stopSocket = live.stop;
    disposers.push(live.stop);
    disposers.push($transcript.listen(() => tellForeground()));
    kickSocket = live.kick;

    const onOnline = () => {
      live.kick();
      void flush();
    };
    const onOffline = () => {
      setConnection('offline');
      live.drop();
    };
    const onVisible = () => {
      tellForeground();
      if (document.visibilityState !== 'visible') return;
      live.kick();
      void refresh()
        .then(() => reconcileOutbox(db, api))
        .catch(() => {})
        .then(flush);
    };
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    document.addEventListener('visibilitychange', onVisible);
    disposers.push(() => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisible);
    });
    disposers.push(onWorkerFlush(async () => (await flush()).stoppedBy !== 'network'));
    // A machine seen coming back: messages a server refused for it (one that holds nothing) go now.
    let online = new Set(Object.values($machines.get()).filter((m) => m.online).map((m) => m.id));
    disposers.push($machines.listen((machines) => {
      const now = new Set(Object.values(machines).filter((m) => m.online).map((m) => m.id));
      const back = [...now].some((id) => !online.has(id));
      online = now;
      if (back && $outbox.get().some((i) => i.wait?.kind === 'machine')) void flush();
    }));
    disposers.push(() => db.close());
    // Messages left queued by a previous visit are tried now, not only once the socket is back: a server that is
    // still down then arms the retry timer.
    if ($outbox.get().some((i) => i.state === 'queued')) void flush();
    if (stopped) {
      disposers.splice(0).forEach((d) => d());
      if ($runtime.get()?.db === db) $runtime.set(null);
    }
  })();

  return () => {
    stopped = true;
    disposers.splice(0).forEach((d) => d());
    if ($runtime.get()?.profile.id === profile.id) $runtime.set(null);
  };
}
