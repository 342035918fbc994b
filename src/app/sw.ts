// The service worker: precaches the app shell, serves navigations offline, never touches /api, relays Background
// Sync, and shows push notifications (worker/push-handlers.ts).
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { registerPushHandlers } from './worker/push-handlers.ts';
import { refreshShellPolicy } from './worker/shell-policy.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null } | string> };

/** The Background Sync tag the page registers when it queues a message (src/app/lib/background-sync.ts). */
const OUTBOX_SYNC_TAG = 'baton-outbox';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every navigation (/, /share/<token>, deep links) gets the cached shell; /api is never answered from a cache —
// the app keeps its data in IndexedDB and labels it "as of".
// After answering, the shell's headers are checked against the server's (its CSP above all): an installed app would
// otherwise keep the policy it was installed with for as long as its shell does not change (worker/shell-policy.ts).
const shell = createHandlerBoundToURL('index.html');
registerRoute(new NavigationRoute(async (options) => {
  const response = await shell(options);
  options.event.waitUntil(refreshShellPolicy(self).then((changed) => (changed ? tellPages({ type: 'policy-changed' }) : undefined)).catch(() => {}));
  return response;
}, { denylist: [/^\/api(\/|$)/] }));

async function tellPages(message: unknown): Promise<void> {
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message);
}

// A first install controls open pages at once so they work offline; a later version waits for the
// user's "reload" (SKIP_WAITING) so a page never runs against a shell it did not load.
clientsClaim();
self.addEventListener('message', (event) => {
  const type = (event.data as { type?: string } | null)?.type;
  if (type === 'SKIP_WAITING') void self.skipWaiting();
  // The page met a policy that blocks a server it wants (adding a server): check the server's policy now.
  if (type === 'refresh-policy') {
    const port = event.ports[0];
    event.waitUntil(refreshShellPolicy(self).then((changed) => port?.postMessage({ changed }), () => port?.postMessage({ changed: false })));
  }
});

// The page holds the token and does the sending; the worker only wakes it up and waits for its answer. A flush
// that still could not send fails the sync event, so the browser retries it later on its own (slow) schedule —
// the page never registers again while this one is pending (src/app/lib/background-sync.ts).
interface SyncEvent extends ExtendableEvent { readonly tag: string }
const FLUSH_ANSWER_MS = 30_000;

function askToFlush(client: Client): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), FLUSH_ANSWER_MS);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      resolve((e.data as { done?: boolean } | null)?.done === true);
    };
    client.postMessage({ type: 'flush-outbox' }, [channel.port2]);
  });
}

self.addEventListener('sync', ((event: SyncEvent) => {
  if (event.tag !== OUTBOX_SYNC_TAG) return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (clients) => {
      // No page open: nothing can send (the page holds the token); the app flushes when it opens.
      if (clients.length === 0) return;
      const answers = await Promise.all(clients.map(askToFlush));
      if (!answers.some(Boolean)) throw new Error('the outbox still waits for the network');
    }),
  );
}) as EventListener);

registerPushHandlers(self);
