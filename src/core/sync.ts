// The body of GET /api/sync: everything that changed after the client's cursor.
import type { MachineRecord, SessionRecord, SettingsRecord } from './records.ts';

export interface SyncResponse {
  readonly cursor: number;
  /** Server time when evaluated, so clients can label cached state "as of". */
  readonly serverTime: number;
  readonly sessions: SessionRecord[];
  readonly machines: MachineRecord[];
  readonly settings: SettingsRecord;
  /** Ids of sessions removed from view since the cursor (direct sessions gone from their vendor's store): clients drop them. */
  readonly removedSessionIds: string[];
}
