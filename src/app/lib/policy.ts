// The app's own Content-Security-Policy as it meets other servers: which connections it blocked, and asking the
// service worker to fetch the server's current policy (an installed app may still run under an older one).

interface Blocked { readonly origin: string; readonly at: number }
const blocked: Blocked[] = [];

/** Watch for connections the policy blocks (called once at start-up; costs nothing until one happens). */
export function watchPolicyViolations(): void {
  if (typeof document === 'undefined') return;
  document.addEventListener('securitypolicyviolation', (e) => {
    if (e.effectiveDirective !== 'connect-src') return;
    try {
      blocked.push({ origin: new URL(e.blockedURI).origin.replace(/^ws/, 'http'), at: Date.now() });
      if (blocked.length > 20) blocked.shift();
    } catch {
      // not a URL (e.g. "inline"): not a server
    }
  });
}

/**
 * Whether the policy blocked a connection to `server` in the last minute. The browser reports a violation in a task
 * of its own, which may come after the fetch it blocked has failed: give it a moment.
 */
export async function policyBlocked(server: string, waitMs = 150): Promise<boolean> {
  let origin: string;
  try {
    origin = new URL(server).origin;
  } catch {
    return false;
  }
  const seen = () => blocked.some((b) => b.origin === origin && Date.now() - b.at < 60_000);
  if (seen()) return true;
  await new Promise((r) => setTimeout(r, waitMs));
  return seen();
}

/** Asks the service worker to check the server's policy now; true when it changed (a reload runs under it). */
export function refreshPolicy(timeoutMs = 5_000): Promise<boolean> {
  const sw = typeof navigator !== 'undefined' ? navigator.serviceWorker?.controller : null;
  if (!sw) return Promise.resolve(false);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), timeoutMs);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      resolve((e.data as { changed?: boolean } | null)?.changed === true);
    };
    sw.postMessage({ type: 'refresh-policy' }, [channel.port2]);
  });
}
