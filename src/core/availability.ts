// The one rule for what can be done with a session now; server, daemon, PWA and CLI all call it.
import { BACKEND_INFO, type Backend, type MachineCapabilities } from './providers.ts';

/** Why a session cannot take a message now, in the order they are checked. */
export const BLOCK_REASONS = [
  'not-managed',
  'archived',
  'backend-unsupported',
  'missing-resume-id',
  'backend-disabled',
  'dependency-missing',
  'machine-offline',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export type Availability =
  /** Agent process running on a connected machine: messages go straight in. */
  | { readonly state: 'live' }
  /** Inactive, and nothing stands in the way: sending resumes the same vendor session first. */
  | { readonly state: 'resumable' }
  /** A resume attempt is in flight; messages sent now wait for it. */
  | { readonly state: 'resuming' }
  /** Nothing can be sent; `reason` says why and `detail` carries facts for the sentence. */
  | { readonly state: 'blocked'; readonly reason: BlockReason; readonly detail?: string };

export type AvailabilityState = Availability['state'];

export interface AvailabilityFacts {
  readonly managed: boolean;
  readonly archived: boolean;
  readonly status: 'active' | 'inactive';
  readonly backend: Backend;
  readonly vendorResumeId: string | null;
  readonly resumeInFlight: boolean;
  /**
   * A brand-new session whose `start` the daemon has not answered yet. It reads as `resuming` — the
   * word a UI would rather show is "starting", but the state union stays as it is so every client keeps
   * working unchanged: like a resume, something is in flight and messages wait for it. Optional: facts
   * without it (e.g. a PWA's cache) read as before.
   */
  readonly startInFlight?: boolean;
  readonly disabledBackends: readonly Backend[];
  readonly machine: {
    readonly name: string;
    readonly online: boolean;
    readonly lastSeenAt: number | null;
    readonly capabilities: MachineCapabilities | null;
  } | null;
}

/**
 * Decide availability. An active session on an online machine is live before the resume-only
 * checks run: a running agent needs no resume id, resume support or installed CLI to take a message
 * (DESIGN lists one order; applying resume checks to a live session would block every new session
 * until its first turn ends, so they apply only when a resume would be needed). `backend-unsupported` comes
 * before `missing-resume-id` (DESIGN has them the other way): a backend that can never resume, such as
 * codex-mcp, has no resume id by nature, and "this backend cannot resume" is the true reason to show.
 */
export function evaluateAvailability(f: AvailabilityFacts): Availability {
  if (!f.managed) return blocked('not-managed');
  if (f.archived) return blocked('archived');
  const online = f.machine?.online === true;
  if (f.status === 'active' && online) return { state: 'live' };
  if ((f.resumeInFlight || f.startInFlight === true) && online) return { state: 'resuming' };
  if (!BACKEND_INFO[f.backend].supportsResume) return blocked('backend-unsupported', BACKEND_INFO[f.backend].label);
  if (f.vendorResumeId === null || f.vendorResumeId === '') return blocked('missing-resume-id');
  if (f.disabledBackends.includes(f.backend)) return blocked('backend-disabled', f.backend);
  if (f.machine && f.machine.capabilities) {
    const cap = f.machine.capabilities[f.backend];
    if (!cap || !cap.installed || !cap.canResume) {
      return blocked('dependency-missing', cap?.detail ?? `${BACKEND_INFO[f.backend].command} is not installed on ${f.machine.name}`);
    }
  }
  if (!online) return blocked('machine-offline', f.machine ? f.machine.name : 'unknown machine');
  return { state: 'resumable' };
}

function blocked(reason: BlockReason, detail?: string): Availability {
  return detail === undefined ? { state: 'blocked', reason } : { state: 'blocked', reason, detail };
}

export function canCompose(a: Availability): boolean {
  return a.state === 'live' || a.state === 'resumable';
}

/** The words shown for each reason: what happened and what the user can do about it. */
export interface ReasonText {
  readonly sentence: string;
  readonly fix: string;
}

export const REASON_TEXT: Readonly<Record<BlockReason, ReasonText>> = {
  'not-managed': {
    sentence: 'This session was started outside Baton, so Baton does not manage it.',
    fix: 'Take it over to continue it here, or open it on its machine.',
  },
  archived: {
    sentence: 'This session is archived, and archived sessions are never resumed.',
    fix: 'Unarchive it to continue.',
  },
  'missing-resume-id': {
    sentence: 'Baton has no vendor session id for this session (it never finished a first turn), so it cannot reopen it.',
    fix: 'Start a new session, optionally with a summary of this one.',
  },
  'backend-unsupported': {
    sentence: 'This session runs on a backend that cannot reopen a session.',
    fix: 'Start a new session on a resumable backend.',
  },
  'backend-disabled': {
    sentence: 'This session’s backend is disabled in settings.',
    fix: 'Enable the backend in settings.',
  },
  'dependency-missing': {
    sentence: 'The machine that owns this session lacks what its backend needs to resume.',
    fix: 'Install the missing tool on that machine, then try again.',
  },
  'machine-offline': {
    sentence: 'The machine that owns this session is not connected.',
    fix: 'Start `baton daemon` on that machine.',
  },
};

/** A sentence with the facts filled in, e.g. which machine and since when. */
export function describeBlock(reason: BlockReason, detail?: string, lastSeenText?: string): ReasonText {
  const base = REASON_TEXT[reason];
  switch (reason) {
    case 'machine-offline':
      return {
        sentence: `${detail ? `“${detail}”` : 'The owning machine'} is not connected${lastSeenText ? ` (last seen ${lastSeenText})` : ''}.`,
        fix: base.fix,
      };
    case 'dependency-missing':
      return { sentence: detail ? `${base.sentence} ${detail}.` : base.sentence, fix: base.fix };
    case 'backend-disabled':
      return { sentence: detail ? `The ${detail} backend is disabled in settings.` : base.sentence, fix: base.fix };
    case 'not-managed':
    case 'archived':
    case 'missing-resume-id':
    case 'backend-unsupported':
      return base;
    default:
      return assertNever(reason);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${String(x)}`);
}
