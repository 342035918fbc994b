// A tapped notification asks an open page to show a screen (`{type: 'open', url: '/#/s/<id>…'}`) instead of opening another.
export function onWorkerOpen(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const msg = e.data as { type?: string; url?: string } | null;
    // Only this app's own hash routes: the worker never asks for another origin or path.
    if (msg?.type === 'open' && typeof msg.url === 'string' && msg.url.startsWith('/#/')) window.location.hash = msg.url.slice(2);
  });
}
