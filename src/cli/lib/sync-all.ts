// Every session and machine of the account, read page by page from GET /api/sync (the walk `baton sessions` needs).
import type { MachineRecord, SessionRecord, SyncResponse } from '../../core/index.ts';
import type { ApiClient } from './api-client.ts';

/** Pages one walk may take; far more than any account has. */
const MAX_PAGES = 10_000;

export async function syncAll(api: ApiClient): Promise<{ sessions: SessionRecord[]; machines: MachineRecord[] }> {
  const sessions = new Map<string, SessionRecord>();
  const machines = new Map<string, MachineRecord>();
  let next: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res: SyncResponse = await api.call('sync', { query: { since: 0, after: next ?? undefined } });
    // A session changed during the walk comes again in a later page: the later record is the newer one.
    for (const s of res.sessions) sessions.set(s.id, s);
    for (const m of res.machines) machines.set(m.id, m);
    next = res.next;
    if (!next) break;
  }
  return { sessions: [...sessions.values()], machines: [...machines.values()] };
}
