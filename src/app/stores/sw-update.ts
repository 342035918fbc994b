// Registers the service worker and raises "update available — reload" when a new version waits.
import { atom } from 'nanostores';
import type { Workbox } from 'workbox-window';

export const $updateWaiting = atom(false);
let wb: Workbox | null = null;

export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const { Workbox } = await import('workbox-window');
  wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', () => $updateWaiting.set(true));
  // Reload only when the user asked for the new version, not on a first install taking control.
  wb.addEventListener('controlling', (e) => {
    if (e.isUpdate) window.location.reload();
  });
  await wb.register();
}

/** The user pressed "reload": let the waiting worker take over; `controlling` then reloads the page. */
export function applyUpdate(): void {
  if (!wb) return window.location.reload();
  wb.messageSkipWaiting();
}
