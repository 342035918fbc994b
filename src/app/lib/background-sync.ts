// Background Sync where the browser has it: ask the service worker to wake the app when the network returns.
export const OUTBOX_SYNC_TAG = 'baton-outbox';

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

export async function requestBackgroundFlush(): Promise<void> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  try {
    const reg = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync?: SyncManagerLike };
    await reg.sync?.register(OUTBOX_SYNC_TAG);
  } catch {
    // Not supported or not allowed: the online / foreground triggers still flush.
  }
}

/** The worker's "flush now" message (sent from its `sync` event); returns a disposer. */
export function onWorkerFlush(fn: () => void): () => void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return () => {};
  const handler = (e: MessageEvent) => {
    if ((e.data as { type?: string } | null)?.type === 'flush-outbox') fn();
  };
  navigator.serviceWorker.addEventListener('message', handler);
  return () => navigator.serviceWorker.removeEventListener('message', handler);
}
