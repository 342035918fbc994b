// The service worker: precaches the app shell, serves navigations offline, never touches /api, relays Background
// Sync, and shows push notifications (worker/push-handlers.ts).
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { registerPushHandlers } from './worker/push-handlers.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null } | string> };

/** The Background Sync tag the page registers when it queues a message (src/app/lib/background-sync.ts). */
const OUTBOX_SYNC_TAG = 'baton-outbox';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every navigation (/, /share/<token>, deep links) gets the cached shell; /api is never answered from a cache —
// the app keeps its data in IndexedDB and labels it "as of".
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api(\/|$)/] }));

// A first install controls open pages at once so they work offline; a later version waits for the
// user's "reload" (SKIP_WAITING) so a page never runs against a shell it did not load.
clientsClaim();
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The page holds the token and does the sending; the worker only wakes it up.
interface SyncEvent extends ExtendableEvent { readonly tag: string }
self.addEventListener('sync', ((event: SyncEvent) => {
  if (event.tag !== OUTBOX_SYNC_TAG) return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: 'flush-outbox' });
    }),
  );
}) as EventListener);

registerPushHandlers(self);
