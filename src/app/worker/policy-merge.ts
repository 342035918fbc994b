// A policy for a cached page: the server's current directives, with `script-src` kept from the page's own (it must
// admit the cached page's inline scripts by their hashes).

export function mergePolicy(cached: string | null, fresh: string): string {
  const scriptSrc = cached?.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
  if (!scriptSrc) return fresh;
  return fresh.split(';').map((d) => d.trim()).filter(Boolean).map((d) => (d.startsWith('script-src ') ? scriptSrc : d)).join('; ');
}
