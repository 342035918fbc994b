// The app's client of one Baton server is the route table's own (src/core/route-client.ts), given the page's fetch;
// here too the words the screens show for its errors.
import { ApiError, NetworkError, createRouteCaller, type RouteCaller } from '../../core/route-client.ts';

export { ApiError, NetworkError };

/** One Baton server's API: the core client (`call` answers the route's type, or throws ApiError / NetworkError). */
export type ApiClient = RouteCaller;

export interface ApiClientOptions {
  readonly server: string;
  readonly token?: string | undefined;
  readonly fetch?: typeof fetch;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return createRouteCaller({ server: opts.server, token: opts.token, fetch: doFetch });
}

/** Turn what the user typed or a link carried into `https://host[:port]` (no trailing slash), or say why not. */
export function normalizeServer(input: string): { ok: true; server: string } | { ok: false; message: string } {
  const raw = input.trim();
  if (!raw) return { ok: false, message: 'Enter the server address shown by `baton up`.' };
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return { ok: false, message: `“${raw}” is not a web address.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'The server address must start with http:// or https://.' };
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, server: `${url.protocol}//${url.host}${path}` };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.body.sentence ?? e.body.message;
  if (e instanceof NetworkError) return 'Could not reach the server.';
  return e instanceof Error ? e.message : String(e);
}

/** Runs an action for a screen: clears the screen's error first, and shows the failure's sentence if it throws. */
export function errorGuard(setError: (text: string | null) => void): (fn: () => Promise<unknown>) => Promise<void> {
  return async (fn) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    }
  };
}
