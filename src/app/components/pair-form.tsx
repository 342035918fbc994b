// Add a server: from a pairing link (fields filled in) or by typing its address and code.
import { useNavigate } from '@solidjs/router';
import { createSignal, Show, type JSX } from 'solid-js';
import { errorText } from '../lib/api-client.ts';
import { pairServer } from '../stores/profiles.ts';

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

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await pairServer({ server: server(), code: code(), deviceName: name() });
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

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
