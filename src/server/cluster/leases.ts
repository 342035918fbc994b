// Which instance holds each machine's socket, until when: a row per machine, taken at its hello, renewed while the
// socket lasts, dropped when it closes. A lease that ran out means its instance died (or stalled): any instance then
// takes the machine offline, as a closed socket would have.
import type { Db } from '../db/db.ts';

export interface Leases {
  take(machineId: string, instanceId: string, until: number): void;
  /** Renews every lease of `instanceId`; returns the machines it still holds. */
  renew(instanceId: string, until: number): Set<string>;
  /** Drops the lease when `instanceId` holds it or it ran out before `now`: true when it did. */
  release(machineId: string, instanceId: string, now: number): boolean;
  heldElsewhere(machineId: string, instanceId: string, now: number): boolean;
  /** Leases that ran out before `now`, oldest first. */
  expired(now: number, limit: number): { machineId: string; expiresAt: number }[];
}

export function createLeases(db: Db): Leases {
  const s = {
    take: db.prepare<[string, string, number]>(`INSERT INTO machine_leases (machine_id, instance_id, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (machine_id) DO UPDATE SET instance_id = excluded.instance_id, expires_at = excluded.expires_at`),
    renew: db.prepare<[number, string], { machine_id: string }>('UPDATE machine_leases SET expires_at = ? WHERE instance_id = ? RETURNING machine_id'),
    release: db.prepare<[string, string, number]>('DELETE FROM machine_leases WHERE machine_id = ? AND (instance_id = ? OR expires_at < ?)'),
    elsewhere: db.prepare<[string, string, number], { n: number }>('SELECT 1 AS n FROM machine_leases WHERE machine_id = ? AND instance_id <> ? AND expires_at >= ?'),
    expired: db.prepare<[number, number], { machine_id: string; expires_at: number }>('SELECT machine_id, expires_at FROM machine_leases WHERE expires_at < ? ORDER BY expires_at LIMIT ?'),
  };
  return {
    take: (machineId, instanceId, until) => void s.take.run(machineId, instanceId, until),
    renew: (instanceId, until) => new Set(s.renew.all(until, instanceId).map((r) => r.machine_id)),
    release: (machineId, instanceId, now) => s.release.run(machineId, instanceId, now).changes > 0,
    heldElsewhere: (machineId, instanceId, now) => s.elsewhere.get(machineId, instanceId, now) !== undefined,
    expired: (now, limit) => s.expired.all(now, limit).map((r) => ({ machineId: r.machine_id, expiresAt: r.expires_at })),
  };
}
