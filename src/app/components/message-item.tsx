// One transcript entry: the user's message with its delivery state and actions, agent text as markdown, a tool call
// as a card, a plan as a checklist, a permission request showing all it approves.
import { createSignal, Match, Show, Switch, type JSX } from 'solid-js';
import './rich/rich.css';
import { AgentText } from './rich/agent-text.tsx';
import { PermissionCard, type PermissionAnswer } from './rich/permission-card.tsx';
import { PlanCard, ToolCard } from './rich/tool-card.tsx';
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
  /** Allow (bound to the hash of the input shown, optionally for the session) or Deny. */
  readonly answer: (permissionId: string, answer: PermissionAnswer) => void;
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
            <button type="submit" class="btn small primary">Save &amp; send</button>
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
  const entry = () => m().entry;
  return (
    <Switch>
      <Match when={m().role === 'agent'}>
        <AgentText text={m().text} streaming={(() => { const e = entry(); return e?.kind === 'text' && e.streaming; })()} />
      </Match>
      <Match when={m().role === 'tool' && entry()?.kind === 'tool'}>
        <ToolCard entry={entry() as Extract<NonNullable<MessageRecord['entry']>, { kind: 'tool' }>} />
      </Match>
      <Match when={m().role === 'tool' && entry()?.kind === 'plan'}>
        <PlanCard entry={entry() as Extract<NonNullable<MessageRecord['entry']>, { kind: 'plan' }>} />
      </Match>
      <Match when={m().role === 'tool'}>
        <div class="msg msg-tool" title={m().text}>
          <span class="tool-name">{m().tool ?? 'tool'}</span>
          <span class="tool-input">{m().text}</span>
        </div>
      </Match>
      <Match when={m().role === 'permission' && m().permission}>
        <PermissionCard message={m()} onAnswer={props.actions ? (a) => props.actions!.answer(m().permission!.permissionId, a) : null} />
      </Match>
      <Match when={true}>
        <p class="msg msg-notice">{m().text}</p>
      </Match>
    </Switch>
  );
}
