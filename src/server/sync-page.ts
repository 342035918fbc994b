// One page of GET /api/sync: sessions changed after the client's cursor in (cursor, id) order, cut by count and
// by bytes, plus the machines changed since then and the settings; serialized once, as it is measured.
import { LIMITS, type SyncResponse } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import { toMachineRecord } from './store/machines.ts';
import { newViewMemo, sessionView } from './views.ts';

export interface SyncPageQuery {
  readonly since: number;
  /** The previous page's `next`: `<cursor>.<session id>`, the last session it sent. */
  readonly after?: string | undefined;
  readonly limit?: number | undefined;
}

/** Where a page starts: after `since`, or after the last session of the page before (never before `since`). */
function startOf(q: SyncPageQuery): { cursor: number; id: string | null } {
  if (q.after === undefined) return { cursor: q.since, id: null };
  const dot = q.after.indexOf('.');
  const cursor = Number(q.after.slice(0, dot));
  return cursor < q.since ? { cursor: q.since, id: null } : { cursor, id: q.after.slice(dot + 1) };
}

/** The page as JSON text (the route sends it as is); one read transaction, so the cursor and the rows agree. */
export function readSyncPage(ctx: ServerContext, accountId: string, q: SyncPageQuery): string {
  const limit = Math.min(q.limit ?? LIMITS.syncPageSessions, LIMITS.syncPageSessions);
  return ctx.db.transaction((): string => {
    const memo = newViewMemo();
    const start = startOf(q);
    const parts: string[] = [];
    let bytes = 0;
    let last: { cursor: number; id: string } | null = null;
    let more = false;
    for (const row of ctx.stores.sessions.iterateFrom(accountId, start.cursor, start.id)) {
      if (parts.length >= limit) {
        more = true;
        break;
      }
      const json = JSON.stringify(sessionView(ctx, row, memo));
      const size = Buffer.byteLength(json) + 1;
      // At least one session per page, whatever its size (one record is far below the page's bytes).
      if (parts.length > 0 && bytes + size > LIMITS.syncPageBytes) {
        more = true;
        break;
      }
      parts.push(json);
      bytes += size;
      last = { cursor: row.cursor, id: row.id };
    }
    const settings = ctx.stores.settings.get(accountId);
    const head: Omit<SyncResponse, 'sessions'> = {
      // Sessions may remain at the last one's cursor (one change stamps many), so an unfinished walk is
      // complete only up to the cursor before it.
      cursor: more && last ? last.cursor - 1 : ctx.stores.cursor.current(accountId),
      next: more && last ? `${last.cursor}.${last.id}` : null,
      serverTime: ctx.now(),
      machines: ctx.stores.machines.since(accountId, q.since).map(toMachineRecord),
      settings: { disabledBackends: settings.disabledBackends, codexBackend: settings.codexBackend },
      // Removals are final; the first page of a walk carries them (a repeated walk repeats them harmlessly).
      removedSessionIds: q.after === undefined ? ctx.stores.sessions.removedSince(accountId, q.since) : [],
    };
    const json = JSON.stringify(head);
    return `${json.slice(0, -1)},"sessions":[${parts.join(',')}]}`;
  })();
}
