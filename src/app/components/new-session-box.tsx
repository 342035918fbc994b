// The explicit way out: start a *new* vendor session with this message (optionally with a summary of this one).
import { useNavigate } from '@solidjs/router';
import { createEffect, createSignal, Show, type JSX } from 'solid-js';
import type { SessionRecord } from '../../core/records.ts';
import { errorText } from '../lib/api-client.ts';
import { startNewSessionWith } from '../stores/session-actions.ts';

export function NewSessionBox(props: { session: SessionRecord; initialText: string; open: boolean; onClose?: () => void }): JSX.Element {
  const navigate = useNavigate();
  const [text, setText] = createSignal(props.initialText);
  const [summary, setSummary] = createSignal(true);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  createEffect(() => setText(props.initialText));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text().trim()) return;
    setBusy(true);
    setError(null);
    try {
      const s = await startNewSessionWith(props.session, text(), summary());
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
        <p class="muted small">This starts a separate {props.session.provider} session in {props.session.cwd}. This one stays as it is.</p>
        <textarea aria-label="Message for the new session" rows={3} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
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
          <button type="submit" class="btn primary" disabled={busy() || !text().trim()}>{busy() ? 'Starting…' : 'Start new session'}</button>
        </div>
      </form>
    </details>
  );
}
