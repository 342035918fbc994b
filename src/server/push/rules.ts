// What notifies: committed changes in, notices out (one per real event, each with a stable event id).
// Pure over a small reader of the database, so the rules are tested without a server.
import {
  MESSAGE_FAILURE_TEXT, RESUME_FAILURE_TEXT, clip, permissionInputHash, sessionTag, summarizeInput,
  type MessageFailureCode, type NotificationKind, type PermissionInfo, type ResumeFailureCode,
} from '../../core/index.ts';
import type { CommittedChanges } from '../context.ts';
import type { MessageRow } from '../store/messages.ts';

/** One event worth telling a phone about, before it is addressed to devices. */
export interface Notice {
  /** Stable for the same real event: a re-applied frame, a retry or a restart yields the same id. */
  readonly eventId: string;
  readonly kind: NotificationKind;
  readonly accountId: string;
  /** The session a tap opens (null: the sessions list). */
  readonly sessionId: string | null;
  /** Sessions a phone showing in the foreground is not told about (it sees them already). */
  readonly about: readonly string[];
  readonly tag: string;
  readonly title: string;
  /** Names the session and the kind of event only: never transcript text. */
  readonly body: string;
  /** The same with what was said or asked, for devices that turned previews on. */
  readonly preview: string;
  readonly permission: { readonly permissionId: string; readonly inputHash: string } | null;
  readonly urgency: 'high' | 'normal';
}

/** What the rules read besides the changed rows. */
export interface RuleFacts {
  session(id: string): { readonly title: string; readonly machineId: string } | undefined;
  /** The attempt's state and code, to tell a failed resume from another failure. */
  attempt(id: string): { readonly state: string; readonly code: string | null } | undefined;
  /** The newest agent text of a session (for a "turn finished" preview). */
  lastAgentText(sessionId: string): string | null;
}

const TITLE_CHARS = 80;
const BODY_CHARS = 180;

/** Notices for what a committed transaction changed (machines going offline are reported apart, after a grace). */
export function noticesOf(changes: CommittedChanges, facts: RuleFacts): Notice[] {
  // A message may change more than once in one transaction: what counts is where it ended.
  const latest = new Map<string, { accountId: string; row: MessageRow }>();
  for (const m of changes.messages) {
    latest.delete(m.row.id);
    latest.set(m.row.id, m);
  }
  const notices: Notice[] = [];
  // Per session, the last message of each outcome: one turn answering three messages is one notification.
  const grouped = new Map<string, { accountId: string; row: MessageRow; kind: 'answered' | 'unanswered' | 'failed' }>();
  for (const { accountId, row } of latest.values()) {
    if (row.role === 'permission' && row.permission) {
      const info = JSON.parse(row.permission) as PermissionInfo;
      if (info.decision !== null) continue; // answered, not asked
      const n = permissionNotice(accountId, row, info, facts);
      if (n) notices.push(n);
      continue;
    }
    if (row.role !== 'user') continue;
    // The user's own doing (stopped, archived, interrupted) is no news to them.
    if (row.failure_code === 'stopped' || row.failure_code === 'interrupted') continue;
    if (row.state === 'failed' && row.attempt_id !== null && isResumeFailure(row, facts)) {
      const n = resumeFailedNotice(accountId, row, facts);
      if (n && !notices.some((x) => x.eventId === n.eventId)) notices.push(n);
      continue;
    }
    const kind = row.state === 'answered' ? 'answered' : row.state === 'unanswered' ? 'unanswered' : row.state === 'failed' ? 'failed' : null;
    if (!kind) continue;
    const key = `${row.session_id}\n${kind}`;
    const prev = grouped.get(key);
    if (!prev || prev.row.seq < row.seq) grouped.set(key, { accountId, row, kind });
  }
  for (const { accountId, row, kind } of grouped.values()) {
    const n = kind === 'answered' ? turnFinishedNotice(accountId, row, facts) : messageFailedNotice(accountId, row, kind, facts);
    if (n) notices.push(n);
  }
  return notices;
}

function isResumeFailure(row: MessageRow, facts: RuleFacts): boolean {
  const attempt = facts.attempt(row.attempt_id!);
  return attempt !== undefined && (attempt.state === 'failed' || attempt.state === 'resumed-late') && attempt.code === row.failure_code;
}

function sessionBase(accountId: string, sessionId: string, facts: RuleFacts) {
  const s = facts.session(sessionId);
  if (!s) return null;
  return { accountId, sessionId, about: [sessionId], tag: sessionTag(sessionId), title: clip(s.title, TITLE_CHARS) };
}

function permissionNotice(accountId: string, row: MessageRow, info: PermissionInfo, facts: RuleFacts): Notice | null {
  const base = sessionBase(accountId, row.session_id, facts);
  if (!base) return null;
  const asks = `Asks to use ${clip(info.tool, 60)}`;
  return {
    ...base, eventId: `permission:${row.id}`, kind: 'permission', urgency: 'high',
    body: `${asks} — Allow or Deny`,
    preview: clip(`${asks}: ${summarizeInput(info.input)}`, BODY_CHARS),
    permission: { permissionId: info.permissionId, inputHash: permissionInputHash(info.input) },
  };
}

function turnFinishedNotice(accountId: string, row: MessageRow, facts: RuleFacts): Notice | null {
  const base = sessionBase(accountId, row.session_id, facts);
  if (!base) return null;
  const said = facts.lastAgentText(row.session_id);
  return {
    ...base, eventId: `answered:${row.id}`, kind: 'turn-finished', urgency: 'normal', permission: null,
    body: 'The agent finished its turn.',
    preview: said ? clip(said, BODY_CHARS) : 'The agent finished its turn.',
  };
}

function messageFailedNotice(accountId: string, row: MessageRow, kind: 'unanswered' | 'failed', facts: RuleFacts): Notice | null {
  const base = sessionBase(accountId, row.session_id, facts);
  if (!base) return null;
  const why = row.failure_code ? MESSAGE_FAILURE_TEXT[row.failure_code as MessageFailureCode] : 'Your message was not delivered.';
  const body = `${why} Your message is kept.`;
  return {
    ...base, eventId: `${kind}:${row.id}`, kind: 'message-failed', urgency: 'normal', permission: null,
    body, preview: clip(`“${clip(row.text, 60)}” — ${body}`, BODY_CHARS),
  };
}

function resumeFailedNotice(accountId: string, row: MessageRow, facts: RuleFacts): Notice | null {
  const base = sessionBase(accountId, row.session_id, facts);
  if (!base) return null;
  const body = `Could not reopen the session: ${RESUME_FAILURE_TEXT[row.failure_code as ResumeFailureCode]} Your message is kept.`;
  return {
    ...base, eventId: `resume-failed:${row.attempt_id}`, kind: 'resume-failed', urgency: 'normal', permission: null,
    body: clip(body, BODY_CHARS * 2), preview: clip(`“${clip(row.text, 60)}” — ${body}`, BODY_CHARS * 2),
  };
}

/** A machine still offline after the grace, with messages waiting on it (`waiting`: session id → title, count). */
export function machineOfflineNotice(
  accountId: string, machine: { id: string; name: string; lastSeenAt: number | null },
  waiting: readonly { readonly sessionId: string; readonly title: string; readonly count: number }[],
): Notice | null {
  const total = waiting.reduce((n, w) => n + w.count, 0);
  if (total === 0) return null;
  const one = waiting.length === 1 ? waiting[0]! : null;
  const messages = `${total} message${total === 1 ? '' : 's'} waiting`;
  const body = one ? `${messages} in “${clip(one.title, 60)}”.` : `${messages} in ${waiting.length} sessions.`;
  return {
    eventId: `machine-offline:${machine.id}:${machine.lastSeenAt ?? 0}`, kind: 'machine-offline', accountId,
    sessionId: one?.sessionId ?? null, about: waiting.map((w) => w.sessionId),
    tag: one ? sessionTag(one.sessionId) : `machine:${machine.id}`,
    title: clip(`${machine.name} is offline`, TITLE_CHARS), body, preview: body, permission: null, urgency: 'normal',
  };
}
