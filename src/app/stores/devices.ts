// The account's paired devices (phones, machines, terminals), for settings: list them, revoke the others.
import { atom } from 'nanostores';
import type { DeviceRecord } from '../../core/records.ts';
import type { ApiClient } from '../lib/api-client.ts';
import { $runtime } from './runtime.ts';

export interface DevicesState {
  readonly devices: readonly DeviceRecord[];
  readonly loading: boolean;
  readonly error: string | null;
}

export const $devices = atom<DevicesState>({ devices: [], loading: false, error: null });

function api(): ApiClient {
  const r = $runtime.get();
  if (!r) throw new Error('No server is selected.');
  return r.api;
}

/** Revoked devices stay on the server for its records; the phone lists only those that can still connect. */
export function activeDevices(list: readonly DeviceRecord[]): DeviceRecord[] {
  // This device first, then newest first.
  return list.filter((d) => !d.revoked).sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt - a.createdAt);
}

export async function loadDevices(client: ApiClient = api()): Promise<void> {
  $devices.set({ ...$devices.get(), loading: true, error: null });
  try {
    const { devices } = await client.call('listDevices');
    $devices.set({ devices: activeDevices(devices), loading: false, error: null });
  } catch (e) {
    $devices.set({ ...$devices.get(), loading: false, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

/** Revoke another device: its token stops working at once. This phone is never revoked from here. */
export async function revokeDevice(id: string, client: ApiClient = api()): Promise<void> {
  const target = $devices.get().devices.find((d) => d.id === id);
  if (target?.current) throw new Error('This phone cannot revoke itself here; remove the server under Servers instead.');
  await client.call('revokeDevice', { id });
  $devices.set({ ...$devices.get(), devices: $devices.get().devices.filter((d) => d.id !== id) });
}
