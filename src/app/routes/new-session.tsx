// Start a new session from scratch on a machine: provider, backend, folder, and an optional first message.
import { useNavigate, useSearchParams } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, createSignal, For, Show, type JSX } from 'solid-js';
import { BACKEND_INFO, backendsOf, DEFAULT_BACKEND, PROVIDERS, type Backend, type Provider } from '../../core/providers.ts';
import { FreshnessLine } from '../components/freshness-line.tsx';
import { errorText } from '../lib/api-client.ts';
import { startSession } from '../stores/session-actions.ts';
import { PermissionModePicker } from '../components/permission-mode.tsx';
import { $connection, $machines, $sessions, $settings } from '../stores/sync.ts';

const PROVIDER_LABEL: Readonly<Record<Provider, string>> = { claude: 'Claude Code', codex: 'Codex', opencode: 'OpenCode', gemini: 'Gemini CLI', acp: 'ACP agent' };

export default function NewSession(): JSX.Element {
  const navigate = useNavigate();
  const [search] = useSearchParams<{ machine?: string }>();
  const machines = useStore($machines);
  const sessions = useStore($sessions);
  const settings = useStore($settings);
  const connection = useStore($connection);
  const online = createMemo(() => Object.values(machines()).filter((m) => m.online).sort((a, b) => a.name.localeCompare(b.name)));
  const [machineId, setMachineId] = createSignal(search.machine ?? '');
  const [provider, setProvider] = createSignal<Provider>('claude');
  const [backend, setBackend] = createSignal<Backend>('claude-stream');
  const [cwd, setCwd] = createSignal('');
  const [title, setTitle] = createSignal('');
  const [message, setMessage] = createSignal('');
  // Null: the vendor's own default for the backend.
  const [mode, setMode] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  // The machine from the link, else the first online one, once machines are known.
  createEffect(() => {
    if (!online().some((m) => m.id === machineId()) && online()[0]) setMachineId(online()[0]!.id);
  });
  // A provider's default backend (Codex: the one chosen in settings).
  const defaultBackend = (p: Provider): Backend => (p === 'codex' ? (settings()?.codexBackend ?? DEFAULT_BACKEND.codex) : DEFAULT_BACKEND[p]);
  const pickProvider = (p: Provider) => {
    setProvider(p);
    setBackend(defaultBackend(p));
    setMode(null);
  };
  const machine = () => machines()[machineId()];
  /** Why a backend cannot start here, or null when it can. */
  const unusable = (b: Backend): string | null => {
    if (settings()?.disabledBackends.includes(b)) return 'disabled in settings';
    const cap = machine()?.capabilities?.[b];
    if (cap && !cap.installed) return 'not installed on this machine';
    return null;
  };
  // Folders this machine's sessions used, newest first: the usual answer is one of them.
  const recentCwds = createMemo(() => {
    const seen = new Set<string>();
    for (const s of Object.values(sessions()).sort((a, b) => b.lastActivityAt - a.lastActivityAt)) {
      if (s.machineId === machineId() && !seen.has(s.cwd)) seen.add(s.cwd);
    }
    return [...seen].slice(0, 8);
  });
  const canSubmit = () => connection() === 'live' && !!machine() && !!cwd().trim() && !unusable(backend()) && !busy();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!canSubmit()) return;
    setBusy(true);
    setError(null);
    try {
      const s = await startSession({ machineId: machineId(), provider: provider(), backend: backend(), cwd: cwd(), title: title(), message: message(), ...(mode() ? { permissionMode: mode()! } : {}) });
      navigate(`/s/${encodeURIComponent(s.id)}`, { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <header class="topbar">
        <div class="topbar-title"><h1>New session</h1></div>
        <FreshnessLine />
      </header>
      <main class="page" id="main">
        <Show
          when={online().length > 0}
          fallback={<p class="empty">No machine is online. Start <code>baton up</code> or <code>baton daemon</code> on one, then start a session here.</p>}
        >
          <form class="card form" onSubmit={submit} aria-label="Start a new session">
            <label>
              Machine
              <select value={machineId()} onChange={(e) => setMachineId(e.currentTarget.value)}>
                <For each={online()}>{(m) => <option value={m.id}>{m.name}</option>}</For>
              </select>
            </label>
            <label>
              Agent
              <select value={provider()} onChange={(e) => pickProvider(e.currentTarget.value as Provider)}>
                <For each={[...PROVIDERS]}>{(p) => <option value={p}>{PROVIDER_LABEL[p]}</option>}</For>
              </select>
            </label>
            <label>
              Backend
              <select value={backend()} onChange={(e) => { setBackend(e.currentTarget.value as Backend); setMode(null); }}>
                <For each={backendsOf(provider())}>
                  {(b) => (
                    <option value={b}>
                      {BACKEND_INFO[b].label}
                      {unusable(b) ? ` — ${unusable(b)}` : ''}
                    </option>
                  )}
                </For>
              </select>
            </label>
            <Show when={unusable(backend())}>
              <p class="error" role="alert">This backend is {unusable(backend())}.</p>
            </Show>
            <Show when={!BACKEND_INFO[backend()].supportsResume}>
              <p class="muted small">This backend cannot reopen a session later: once it stops, it stays stopped.</p>
            </Show>
            <PermissionModePicker backend={backend()} value={mode()} onChange={setMode} />
            <label>
              Folder on {machine()?.name ?? 'the machine'}
              <input class="mono" required placeholder="/home/you/project" autocapitalize="off" spellcheck={false} list="recent-cwds" value={cwd()} onInput={(e) => setCwd(e.currentTarget.value)} />
            </label>
            <datalist id="recent-cwds">
              <For each={recentCwds()}>{(c) => <option value={c} />}</For>
            </datalist>
            <label>
              Title (optional)
              <input maxLength={200} value={title()} onInput={(e) => setTitle(e.currentTarget.value)} />
            </label>
            <label>
              First message (optional)
              <textarea rows={3} value={message()} onInput={(e) => setMessage(e.currentTarget.value)} />
            </label>
            <Show when={error()}>
              <p class="error" role="alert">{error()}</p>
            </Show>
            <Show when={connection() !== 'live'}>
              <p class="muted small">Offline: starting a session needs the server. Try again when the phone is back online.</p>
            </Show>
            <div class="actions">
              <button type="button" class="btn" onClick={() => navigate(-1)}>Cancel</button>
              <button type="submit" class="btn primary" disabled={!canSubmit()}>{busy() ? 'Starting…' : 'Start session'}</button>
            </div>
          </form>
        </Show>
      </main>
    </>
  );
}
