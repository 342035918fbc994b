// Background Sync where the browser has it: one registration per outbox, made only while the phone is offline.
//
// Chromium fires a sync as soon as it is registered if the device is online — even when the server itself
// is unreachable. Registering again after each failed send made it fire again at once: hundreds of
// `POST /messages` a second. So: register only when the device is offline (the one thing a sync event can
// tell us has changed), never while a registration is pending (getTags) or an episode is open, and let
// the worker report a failed flush back to the browser, which then retries on its own slow schedule.
// Where there is no Background Sync (Gecko, WebKit), the `online` event, the socket and the retry timer do the job.
export const OUTBOX_SYNC_TAG = 'baton-outbox';

interface SyncManagerLike {
  register(tag: string): Promise<void>;
  getTags(): Promise<string[]>;
}

export type SyncRegistration = 'registered' | 'pending' | 'unsupported';

let episodeOpen = false;

/** Ask the worker to wake the app when the network returns; at most one registration until `syncEpisodeOver`. */
export async function registerOutboxSync(): Promise<SyncRegistration> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return 'unsupported';
  if (episodeOpen) return 'pending';
  try {
    const reg = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync?: SyncManagerLike };
    if (!reg.sync) return 'unsupported';
    if (episodeOpen) return 'pending';
    episodeOpen = true;
    if ((await reg.sync.getTags()).includes(OUTBOX_SYNC_TAG)) return 'pending';
    await reg.sync.register(OUTBOX_SYNC_TAG);
    return 'registered';
  } catch {
    // Not allowed (e.g. no permission): the online / foreground triggers and the retry timer still flush.
    episodeOpen = false;
    return 'unsupported';
  }
}

/** Nothing waits for the network any more: a later offline queue may register again. */
export function syncEpisodeOver(): void {
  episodeOpen = false;
}

/**
 * The worker's "flush now" (from its `sync` event). `fn` resolves true when nothing waits for the network
 * any more; the answer goes back to the worker, which tells the browser whether the sync succeeded.
 * Returns a disposer.
 */
export function onWorkerFlush(fn: () => Promise<boolean>): () => void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return () => {};
  const handler = (e: MessageEvent) => {
    if ((e.data as { type?: string } | null)?.type !== 'flush-outbox') return;
    const port = e.ports[0];
    void fn().then(
      (done) => port?.postMessage({ done }),
      () => port?.postMessage({ done: false }),
    );
  };
  navigator.serviceWorker.addEventListener('message', handler);
  return () => navigator.serviceWorker.removeEventListener('message', handler);
}
