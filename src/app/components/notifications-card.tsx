// Settings → Notifications: the state on this phone, a tap to turn them on (never asked unprompted), a test, the kinds.
import { useStore } from '@nanostores/solid';
import { createEffect, For, on, Show, type JSX } from 'solid-js';
import { NOTIFICATION_KIND_TEXT, NOTIFICATION_KINDS } from '../../core/push.ts';
import { $push, disablePush, enablePush, loadPush, sendTestPush, updatePushSettings, type PushState } from '../stores/push.ts';

const STATE_TEXT: Readonly<Record<PushState, string>> = {
  on: 'On for this phone.',
  off: 'Off for this phone.',
  blocked: 'Blocked by the browser. Allow notifications for this site in the browser’s settings, then come back here.',
  unsupported: 'Not supported by this browser.',
  'needs-install': 'Not available yet: on iPhone and iPad only an app on the Home Screen gets notifications.',
};

export function NotificationsCard(props: { online: boolean }): JSX.Element {
  const push = useStore($push);
  createEffect(on(() => props.online, (online) => online && void loadPush()));
  const state = () => push().state;
  return (
    <section class="card" aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      <p class="push-state" data-state={state() ?? 'loading'} role="status">
        {state() ? STATE_TEXT[state()!] : props.online ? 'Checking…' : 'Offline: notifications can be changed when the server is reachable.'}
      </p>
      <Show when={push().ios}>
        <p class="muted small">
          On iPhone and iPad: add Baton to the Home Screen (Share → Add to Home Screen), open it from there, then tap “Turn on
          notifications” here — iOS asks only after a tap.
        </p>
      </Show>
      <div class="actions">
        <Show when={state() === 'off'}>
          <button type="button" class="btn primary" disabled={!props.online || push().busy} onClick={() => void enablePush()}>
            Turn on notifications
          </button>
        </Show>
        <Show when={state() === 'on'}>
          <button type="button" class="btn small" disabled={!props.online} onClick={() => void sendTestPush()}>Send a test notification</button>
          <button type="button" class="btn small" disabled={!props.online || push().busy} onClick={() => void disablePush()}>Turn off</button>
        </Show>
      </div>
      <Show when={push().testSent}>
        <p class="muted small" role="status">Test notification sent: it should show in a few seconds.</p>
      </Show>
      <Show when={push().settings && (state() === 'on' || state() === 'off')}>
        <ul class="toggle-list" aria-label="Notify me about">
          <For each={[...NOTIFICATION_KINDS]}>
            {(kind) => (
              <li>
                <label class="check">
                  <input type="checkbox" disabled={!props.online} checked={push().settings!.kinds[kind]} onChange={(e) => void updatePushSettings({ kinds: { [kind]: e.currentTarget.checked } })} />
                  <span>
                    {NOTIFICATION_KIND_TEXT[kind].label}
                    <span class="muted small block-line">{NOTIFICATION_KIND_TEXT[kind].detail}</span>
                  </span>
                </label>
              </li>
            )}
          </For>
          <li>
            <label class="check">
              <input type="checkbox" disabled={!props.online} checked={push().settings!.previews} onChange={(e) => void updatePushSettings({ previews: e.currentTarget.checked })} />
              <span>
                Show previews
                <span class="muted small block-line">What the agent asks or answered, on the lock screen. Off: only the session and what happened.</span>
              </span>
            </label>
          </li>
        </ul>
      </Show>
      <Show when={push().error}>
        <p class="error" role="alert">{push().error}</p>
      </Show>
    </section>
  );
}
