// The sessions list as the screen shows it: filtered, searched, grouped by machine, newest activity first.
import type { MachineRecord, SessionRecord, SettingsRecord } from '../../core/records.ts';
import { sessionStatus, type SessionStatus } from './session-status.ts';

export type ListFilter = 'all' | 'active' | 'inactive' | 'archived';

export interface ListRow {
  readonly session: SessionRecord;
  readonly status: SessionStatus;
}

export interface MachineGroup {
  readonly machineId: string;
  readonly machine: MachineRecord | undefined;
  readonly rows: ListRow[];
}

/** `all` hides archived sessions (they have their own filter), as a user would expect. */
export function matchesFilter(s: SessionRecord, filter: ListFilter): boolean {
  switch (filter) {
    case 'all':
      return !s.archived;
    case 'active':
      return !s.archived && s.status === 'active';
    case 'inactive':
      return !s.archived && s.status === 'inactive';
    case 'archived':
      return s.archived;
  }
}

export function matchesSearch(s: SessionRecord, machine: MachineRecord | undefined, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [s.title, s.cwd, s.provider, s.backend, machine?.name ?? ''].some((f) => f.toLowerCase().includes(q));
}

export function groupSessions(
  sessions: readonly SessionRecord[],
  machines: Readonly<Record<string, MachineRecord>>,
  settings: SettingsRecord | null,
  opts: { filter: ListFilter; query: string; fresh: boolean; now: number },
): MachineGroup[] {
  const groups = new Map<string, MachineGroup>();
  const sorted = [...sessions].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  for (const s of sorted) {
    const machine = machines[s.machineId];
    if (!matchesFilter(s, opts.filter) || !matchesSearch(s, machine, opts.query)) continue;
    let g = groups.get(s.machineId);
    if (!g) groups.set(s.machineId, (g = { machineId: s.machineId, machine, rows: [] }));
    g.rows.push(lazyStatusRow(s, () => sessionStatus(s, machine, settings, opts.fresh, opts.now)));
  }
  // Online machines first, then by name, so what can act now is on top.
  return [...groups.values()].sort((a, b) => Number(b.machine?.online ?? false) - Number(a.machine?.online ?? false) || (a.machine?.name ?? '').localeCompare(b.machine?.name ?? ''));
}

/** A row whose status is worked out when first read: of 500 rows, only those on screen need it for the first paint. */
function lazyStatusRow(session: SessionRecord, status: () => SessionStatus): ListRow {
  let known: SessionStatus | undefined;
  return {
    session,
    get status() {
      return (known ??= status());
    },
  };
}
