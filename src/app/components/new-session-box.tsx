// The explicit way out: start a *new* vendor session with this message (optionally with a summary of this one), on
// this machine or another; the two sessions then link to each other.
import { useNavigate } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, createSignal, For, Show, type JSX } from 'solid-js';
import { BACKEND_INFO, DEFAULT_BACKEND } from '../../core/providers.ts';
import type { SessionRecord } from '../../core/records.ts';
import { errorText } from '../lib/api-client.ts';
import { rememberContinuation } from '../lib/continuations.ts';
import { $activeProfile } from '../stores/profiles.ts';
import { startNewSessionWith } from '../stores/session-actions.ts';
import { $machines } from '../stores/sync.ts';

export function NewSessionBox(props: { session: SessionRecord; initialText: string; open: boolean; onClose?: () => void }): JSX.Element {
  const navigate = useNavigate();
  const machines = useStore($machines);
  const profile = useStore($activeProfile);
  const [text, setText] = createSignal(props.initialText);
  const [summary, setSummary] = createSignal(true);
  const [machineId, setMachineId] = createSignal(props.session.machineId);
  const [cwd, setCwd] = createSignal(props.session.cwd);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  createEffect(() => setText(props.initialText));

  // Machines that can run this provider (its backend installed), online ones first; the session's own always listed.
  const choices = createMemo(() => {
    const backend = BACKEND_INFO[props.session.backend].supportsResume ? props.session.backend : DEFAULT_BACKEND[props.session.provider];
    return Object.values(machines())
      .filter((m) => m.id === props.session.machineId || m.capabilities?.[backend]?.installed !== false)
      .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text().trim()) return;
    setBusy(true);
    setError(null);
    try {
      const s = await startNewSessionWith(props.session, text(), summary(), { machineId: machineId(), cwd: cwd() });
      const p = profile();
      if (p) rememberContinuation(p.server, props.session.id, s.id);
      navigate(`/s/${encodeURIComponent(s.id)}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="card new-session" open={props.open}>
      <summary>Start a new session with this message</summary>
      <form onSubmit={submit}>
        <p class="muted small">This starts a separate {props.session.provider} session; this one stays as it is, and each links to the other.</p>
        <textarea aria-label="Message for the new session" rows={3} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        <label>
          Machine
          <select name="machine" value={machineId()} onChange={(e) => setMachineId(e.currentTarget.value)}>
            <For each={choices()}>{(m) => <option value={m.id}>{m.name}{m.online ? '' : ' (offline)'}</option>}</For>
          </select>
        </label>
        <label>
          Folder
          <input name="cwd" class="mono" value={cwd()} onInput={(e) => setCwd(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={summary()} onChange={(e) => setSummary(e.currentTarget.checked)} />
          Include a summary of this session
        </label>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
        <div class="actions">
          <Show when={props.onClose}>
            <button type="button" class="btn" onClick={() => props.onClose?.()}>Cancel</button>
          </Show>
          <button type="submit" class="btn primary" disabled={busy() || !text().trim() || !cwd().trim()}>{busy() ? 'Starting…' : 'Start new session'}</button>
        </div>
      </form>
    </details>
  );
}
