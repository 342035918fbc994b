// One transcript entry: the user's message with its delivery state and actions, agent text, a compact tool call, a permission request.
import { createSignal, Match, Show, Switch, type JSX } from 'solid-js';
import type { MessageRecord } from '../../core/records.ts';
import { failureText } from '../lib/failure-text.ts';
import type { UserEntry } from '../lib/transcript-rows.ts';
import { endedUnanswered } from '../lib/outbox-item.ts';
import { canCancel, canDiscard, canEdit } from '../stores/outbox.ts';

export interface MessageActions {
  readonly retry: (clientId: string) => void;
  readonly edit: (clientId: string, text: string) => void;
  readonly discard: (clientId: string) => void;
  /** Call off a message the server holds for its offline machine. */
  readonly cancel: (clientId: string) => void;
  /** What a waiting message waits for, phrased with live times; null when it does not wait. */
  readonly describeWait: (entry: UserEntry) => string | null;
  readonly startNew: (text: string) => void;
  readonly answer: (permissionId: string, decision: 'allow' | 'deny') => void;
}

export function UserMessage(props: { entry: UserEntry; actions: MessageActions | null }): JSX.Element {
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal('');
  const item = () => props.entry.item;
  return (
    <div class="msg msg-user" data-state={props.entry.state}>
      <Show
        when={editing()}
        fallback={<div class="bubble">{props.entry.text}</div>}
      >
        <form
          class="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            const i = item();
            if (i && draft().trim()) props.actions?.edit(i.clientId, draft());
            setEditing(false);
          }}
        >
          <textarea aria-label="Edit message" value={draft()} onInput={(e) => setDraft(e.currentTarget.value)} rows={3} />
          <div class="actions">
            <button type="button" class="btn small" onClick={() => setEditing(false)}>Cancel</button>
            <button type="submit" class="btn small primary">Save</button>
          </div>
        </form>
      </Show>
      <div class="msg-state" role="status">
        <span class={`state state-${props.entry.state}`}>{props.entry.state /* the state names are the words the phone shows */}</span>
        <Show when={props.actions?.describeWait(props.entry)}>
          {(words) => <span class="muted wait"> · {words()}</span>}
        </Show>
      </div>
      <Show when={endedUnanswered(props.entry.state)}>
        <p class="failure">{failureText(props.entry.failure)}</p>
      </Show>
      <Show when={props.actions && item() && !editing()}>
        <div class="actions">
          <Show when={endedUnanswered(item()!.state)}>
            <button type="button" class="btn small" onClick={() => props.actions!.retry(item()!.clientId)}>Retry</button>
          </Show>
          <Show when={canEdit(item()!)}>
            <button
              type="button"
              class="btn small"
              onClick={() => {
                setDraft(item()!.text);
                setEditing(true);
              }}
            >
              Edit
            </button>
          </Show>
          <Show when={canDiscard(item()!)}>
            <button type="button" class="btn small" onClick={() => props.actions!.discard(item()!.clientId)}>{item()!.state === 'queued' ? 'Cancel' : 'Discard'}</button>
          </Show>
          <Show when={canCancel(item()!)}>
            <button type="button" class="btn small" onClick={() => props.actions!.cancel(item()!.clientId)}>Cancel</button>
          </Show>
          <Show when={endedUnanswered(item()!.state)}>
            <button type="button" class="btn small" onClick={() => props.actions!.startNew(item()!.text)}>New session with it…</button>
          </Show>
        </div>
      </Show>
    </div>
  );
}

export function AgentMessage(props: { message: MessageRecord; actions: MessageActions | null }): JSX.Element {
  const m = () => props.message;
  return (
    <Switch>
      <Match when={m().role === 'agent'}>
        <div class="msg msg-agent">
          <div class="bubble">{m().text}</div>
        </div>
      </Match>
      <Match when={m().role === 'tool'}>
        <div class="msg msg-tool" title={m().text}>
          <span class="tool-name">{m().tool ?? 'tool'}</span>
          <span class="tool-input">{m().text}</span>
        </div>
      </Match>
      <Match when={m().role === 'permission' && m().permission}>
        {(() => {
          const p = m().permission!;
          return (
            <div class="msg msg-permission" role="group" aria-label={`Permission request: ${p.tool}`}>
              <p>
                The agent asks to use <strong>{p.tool}</strong>
              </p>
              <pre class="mono">{p.input}</pre>
              <Show when={p.decision === null} fallback={<p class="muted">{p.decision === 'allow' ? 'Allowed' : 'Denied'}{p.answeredBy ? ` from “${p.answeredBy.name}”` : ''}</p>}>
                <Show when={props.actions} fallback={<p class="muted">Waiting for an answer</p>}>
                  <div class="actions">
                    <button type="button" class="btn small danger" onClick={() => props.actions!.answer(p.permissionId, 'deny')}>Deny</button>
                    <button type="button" class="btn small primary" onClick={() => props.actions!.answer(p.permissionId, 'allow')}>Allow</button>
                  </div>
                </Show>
              </Show>
            </div>
          );
        })()}
      </Match>
      <Match when={true}>
        <p class="msg msg-notice">{m().text}</p>
      </Match>
    </Switch>
  );
}
