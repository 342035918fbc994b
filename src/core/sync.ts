// The body of GET /api/sync: what changed after the client's cursor, one page at a time, and how the
// client works out what the server no longer resends (a machine's presence changes its sessions' availability).
import type { MachineRecord, SessionRecord, SettingsRecord } from './records.ts';

export interface SyncResponse {
  /**
   * Everything up to this cursor is in this page or the pages before it: store it. On the last page
   * (`next: null`) it is the account's cursor; on an earlier one it is lower.
   */
  readonly cursor: number;
  /** More sessions changed: ask again with the same `since` and `after=<next>`; null on the last page. */
  readonly next: string | null;
  /** Server time when evaluated, so clients can label cached state "as of". */
  readonly serverTime: number;
  /** Ordered by (cursor, id); a session changed during a paged walk comes again in a later page. */
  readonly sessions: SessionRecord[];
  /** Every machine changed after `since`, on every page (there are few). */
  readonly machines: MachineRecord[];
  readonly settings: SettingsRecord;
  /** Ids of sessions removed from view since the cursor (direct sessions gone from their vendor's store): clients drop them. */
  readonly removedSessionIds: string[];
}
