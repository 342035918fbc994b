// The precached app shell keeps the headers it was fetched with, its Content-Security-Policy among them: a server
// that changed its policy (a new release, another --app-origin) would never reach an installed app whose shell did
// not change. This fetches the shell's headers again and, when the policy differs, stores the cached shell with the
// new policy. The cached shell's own script hashes are kept (they belong to the body the app runs).
/// <reference lib="webworker" />
import { cacheNames } from 'workbox-core';
import { getCacheKeyForURL } from 'workbox-precaching';
import { mergePolicy } from './policy-merge.ts';

const SHELL = 'index.html';
const CSP = 'content-security-policy';


/** True when the cached shell got a new policy (the next navigation runs under it). Never throws offline: false. */
export async function refreshShellPolicy(sw: ServiceWorkerGlobalScope): Promise<boolean> {
  const key = getCacheKeyForURL(SHELL);
  if (!key) return false;
  const cache = await caches.open(cacheNames.precache);
  const cached = await cache.match(key);
  if (!cached) return false;
  let fresh: Response;
  try {
    fresh = await fetch(new URL(SHELL, sw.location.href), { cache: 'no-store', credentials: 'same-origin' });
  } catch {
    return false;
  }
  const policy = fresh.headers.get(CSP);
  if (!fresh.ok || !policy) return false;
  const merged = mergePolicy(cached.headers.get(CSP), policy);
  if (merged === cached.headers.get(CSP)) return false;
  const headers = new Headers(cached.headers);
  headers.set(CSP, merged);
  await cache.put(key, new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers }));
  return true;
}
