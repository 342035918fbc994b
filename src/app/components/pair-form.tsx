// Add a server: from a pairing link (fields filled in) or by typing its address and code.
import { useNavigate } from '@solidjs/router';
import { createSignal, onMount, Show, type JSX } from 'solid-js';
import { errorText, NetworkError, normalizeServer } from '../lib/api-client.ts';
import { policyBlocked, refreshPolicy } from '../lib/policy.ts';
import { pairServer } from '../stores/profiles.ts';

/** A pairing that waits for the reload that brings the server's newer policy (see submit). */
const PENDING = 'baton-pending-pair';

function defaultDeviceName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/Android/.test(ua)) return 'Android phone';
  return 'Phone';
}

export function PairForm(props: { server?: string; code?: string; fromLink?: boolean }): JSX.Element {
  const navigate = useNavigate();
  const [server, setServer] = createSignal(props.server ?? (typeof location === 'undefined' ? '' : location.origin));
  const [code, setCode] = createSignal(props.code ?? '');
  const [name, setName] = createSignal(defaultDeviceName());
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const pair = async () => {
    setBusy(true);
    setError(null);
    try {
      await pairServer({ server: server(), code: code(), deviceName: name() });
      navigate('/', { replace: true });
    } catch (err) {
      const norm = normalizeServer(server());
      if (err instanceof NetworkError && norm.ok && (await policyBlocked(norm.server))) {
        // The app runs under a policy that does not allow that server (installed before its server allowed
        // other servers). If the server's policy now does, the worker stores it and a reload runs under it.
        if (await refreshPolicy()) {
          sessionStorage.setItem(PENDING, JSON.stringify({ server: server(), code: code(), name: name() }));
          history.replaceState(null, '', '/#/pair');
          location.reload();
          return;
        }
        setError(`This app’s security policy does not let it reach ${norm.server}. The server it was installed from (${location.origin}) is older than this app: update it, or open ${norm.server} itself.`);
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void pair();
  };
  // Back from the reload that picked up the new policy: carry on with the same pairing, once.
  onMount(() => {
    const pending = sessionStorage.getItem(PENDING);
    if (!pending) return;
    sessionStorage.removeItem(PENDING);
    try {
      const p = JSON.parse(pending) as { server: string; code: string; name: string };
      setServer(p.server);
      setCode(p.code);
      setName(p.name);
      void pair();
    } catch {
      // a damaged note: the user types it again
    }
  });

  return (
    <form class="card form" onSubmit={submit} aria-label="Pair with a Baton server">
      <Show when={props.fromLink}>
        <p>
          Pair this phone with <strong class="mono">{server()}</strong>?
        </p>
      </Show>
      <label>
        Server address
        <input name="server" type="url" inputmode="url" autocomplete="url" required value={server()} onInput={(e) => setServer(e.currentTarget.value)} />
      </label>
      <label>
        Pairing code
        <input name="code" autocomplete="one-time-code" autocapitalize="characters" spellcheck={false} required class="mono" value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
      </label>
      <label>
        This phone’s name
        <input name="device" required maxLength={100} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <button type="submit" class="btn primary block" disabled={busy()}>
        {busy() ? 'Pairing…' : 'Pair this phone'}
      </button>
    </form>
  );
}
