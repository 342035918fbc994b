// Registers the service worker and raises "update available — reload" when a new version waits.
import { atom } from 'nanostores';
import type { Workbox } from 'workbox-window';

export const $updateWaiting = atom(false);
let wb: Workbox | null = null;
let userAskedForUpdate = false;

/** A home-screen app can stay open for days: look for a new version now and then, and on coming back. */
const CHECK_EVERY_MS = 60 * 60_000;

export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const { Workbox } = await import('workbox-window');
  wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', () => $updateWaiting.set(true));
  // Reload only when the user asked for the new version, not on a first install taking control.
  // (Not `isUpdate`: it says whether *this page load* started controlled, so a page opened before the
  // first install would never reload on "Reload".)
  wb.addEventListener('controlling', () => {
    if (userAskedForUpdate) window.location.reload();
  });
  await wb.register();
  const check = () => void wb?.update().catch(() => {});
  setInterval(check, CHECK_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
}

/** The user pressed "reload": let the waiting worker take over; `controlling` then reloads the page. */
export function applyUpdate(): void {
  if (!wb) return window.location.reload();
  userAskedForUpdate = true;
  wb.messageSkipWaiting();
}
