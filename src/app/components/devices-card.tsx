// Settings → devices: every phone, machine and terminal paired with this server; this one marked, the others revocable.
import { useStore } from '@nanostores/solid';
import { createEffect, createSignal, For, on, Show, type JSX } from 'solid-js';
import type { DeviceRecord } from '../../core/records.ts';
import { errorGuard } from '../lib/api-client.ts';
import { formatTime } from '../lib/time.ts';
import { $now } from '../stores/clock.ts';
import { $devices, loadDevices, revokeDevice } from '../stores/devices.ts';

const KIND_LABEL: Readonly<Record<DeviceRecord['kind'], string>> = { phone: 'phone', machine: 'machine', cli: 'terminal' };

export function DevicesCard(props: { online: boolean }): JSX.Element {
  const state = useStore($devices);
  const now = useStore($now);
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const guard = errorGuard(setError);
  // Load when the server is reachable (the screen may open while still connecting).
  createEffect(on(() => props.online, (online) => online && void guard(() => loadDevices())));
  return (
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      <Show when={!props.online}>
        <p class="muted small">Offline: devices are listed when the server is reachable.</p>
      </Show>
      <ul class="device-list" aria-label="Paired devices">
        <For each={state().devices}>
          {(d) => (
            <li class="device" data-device-id={d.id}>
              <div class="device-main">
                <span class="device-name">{d.name}</span>
                <Show when={d.current}>
                  <span class="chip chip-live">this device</span>
                </Show>
                <span class="muted small device-meta">{KIND_LABEL[d.kind]} · paired {formatTime(d.createdAt, now())}</span>
              </div>
              <Show when={!d.current}>
                <Show
                  when={confirming() === d.id}
                  fallback={
                    <button type="button" class="btn small danger" aria-label={`Revoke ${d.name}`} disabled={!props.online} onClick={() => setConfirming(d.id)}>
                      Revoke
                    </button>
                  }
                >
                  <div class="device-confirm" role="group" aria-label={`Revoke ${d.name}?`}>
                    <span class="small">Its access ends at once.</span>
                    <button type="button" class="btn small" onClick={() => setConfirming(null)}>Cancel</button>
                    <button type="button" class="btn small danger" onClick={() => void guard(() => revokeDevice(d.id)).then(() => setConfirming(null))}>
                      Revoke {d.name}
                    </button>
                  </div>
                </Show>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
    </section>
  );
}
