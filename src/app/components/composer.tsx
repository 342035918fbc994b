// The composer at the bottom (thumb reach): enabled only when the session can take a message.
import { createSignal, Show, type JSX } from 'solid-js';
import { LIMITS } from '../../core/limits.ts';
import type { SessionStatus } from '../stores/session-status.ts';

export function Composer(props: { status: SessionStatus; offline: boolean; onSend: (text: string) => Promise<void> }): JSX.Element {
  const [text, setText] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  let input!: HTMLTextAreaElement;
  const disabled = () => !props.status.canCompose;
  const hint = () => {
    if (disabled()) return props.status.block ? `Can’t send: ${props.status.chip}` : `Can’t send while ${props.status.chip}`;
    if (props.status.block?.reason === 'machine-offline') {
      const name = props.status.availability.state === 'blocked' ? props.status.availability.detail : undefined;
      return `${name ? `“${name}”` : 'Its machine'} is offline: your message waits for it and is sent, reopening the same session, when it reconnects.`;
    }
    if (props.offline) return 'Offline: your message waits on this phone and is sent once the server can be reached again.';
    if (props.status.availability.state === 'resumable') return 'Sending reopens the same session first.';
    return null;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const t = text();
    if (!t.trim() || disabled() || busy()) return;
    setBusy(true);
    setText('');
    input.style.height = '';
    try {
      await props.onSend(t);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="composer" onSubmit={submit} aria-label="Send a message">
      <Show when={hint()}>
        <p class="composer-hint" id="composer-hint">{hint()}</p>
      </Show>
      <div class="composer-row">
        <textarea
          ref={input}
          rows={1}
          aria-label="Message"
          aria-describedby={hint() ? 'composer-hint' : undefined}
          placeholder={disabled() ? 'Sending is not possible now' : 'Message'}
          disabled={disabled()}
          maxLength={LIMITS.messageTextChars}
          value={text()}
          onInput={(e) => {
            setText(e.currentTarget.value);
            e.currentTarget.style.height = 'auto';
            e.currentTarget.style.height = `${Math.min(e.currentTarget.scrollHeight, 160)}px`;
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void submit(e);
          }}
        />
        <button type="submit" class="btn primary send" disabled={disabled() || busy() || !text().trim()}>
          {props.status.sendLabel}
        </button>
      </div>
    </form>
  );
}
