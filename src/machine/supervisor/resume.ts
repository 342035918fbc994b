// `resume`: strict. Reopen exactly the stored vendor session or fail with a typed reason; never start a fresh
// one, never open a session another process holds, and never resume one attempt twice (a repeat re-reports).
import { BACKEND_INFO, type AttemptId, type MachineDown, type VendorId } from '../../core/index.ts';
import type { AttemptResult } from '../daemon-store.ts';
import { describeProcess } from '../process-scan.ts';
import type { BackendDriver, ResumeOutcome, SessionHolder } from '../providers/backend.ts';
import type { Supervision } from './context.ts';
import { stopLate } from './running.ts';

export function reportAttempt(sup: Supervision, attemptId: AttemptId, r: AttemptResult): void {
  sup.send(r.ok
    ? { type: 'resume-result', attemptId, sessionId: r.sessionId, ok: true, vendorResumeId: r.vendorResumeId }
    : { type: 'resume-result', attemptId, sessionId: r.sessionId, ok: false, code: r.code, detail: r.detail.slice(0, 2000) });
}

/** Settles an attempt for good: stored (so a repeat re-reports it), then reported. */
export function settleAttempt(sup: Supervision, attemptId: AttemptId, r: AttemptResult): void {
  sup.store.putAttempt(attemptId, r);
  reportAttempt(sup, attemptId, r);
}

export async function resumeAgent(sup: Supervision, f: Extract<MachineDown, { type: 'resume' }>): Promise<void> {
  const { store, log } = sup;
  const done = store.attempt(f.attemptId);
  if (done) return reportAttempt(sup, f.attemptId, done);
  const ok = () => settleAttempt(sup, f.attemptId, { ok: true, sessionId: f.sessionId, vendorResumeId: f.vendorResumeId });
  const failed = (code: Extract<AttemptResult, { ok: false }>['code'], detail: string) => settleAttempt(sup, f.attemptId, { ok: false, sessionId: f.sessionId, code, detail });

  // Our own record first: a server (or a bug in it) asking for another vendor session under this Baton
  // session would fork it, exactly as an `adopt` that rebinds it would; both are refused.
  const known = store.session(f.sessionId);
  if (known?.vendorId && known.vendorId !== f.vendorResumeId) {
    log.warn(`refusing to resume session ${f.sessionId} as ${f.vendorResumeId}: this machine knows it as ${known.vendorId}`);
    return failed('vendor-id-mismatch', `this machine's record of the session is vendor session ${known.vendorId}; asked to resume ${f.vendorResumeId}`);
  }

  const live = sup.agents.get(f.sessionId);
  if (live) {
    // Already running: the same vendor session is open, so the resume is done without a second process.
    return live.handle.vendorId === f.vendorResumeId ? ok() : failed('vendor-id-mismatch', `this session runs vendor session ${live.handle.vendorId}, not ${f.vendorResumeId}`);
  }
  const driver = sup.drivers.get(f.backend);
  if (!driver) return failed('dependency-missing', `no ${f.backend} backend on this machine`);
  if (!driver.supportsResume) return failed('vendor-error', `${BACKEND_INFO[f.backend].label} cannot reopen a session`);
  const cap = sup.capabilities()[f.backend];
  if (cap && (!cap.installed || !cap.canResume)) return failed('dependency-missing', cap.detail ?? `${BACKEND_INFO[f.backend].command} cannot resume here`);

  // Open elsewhere (a terminal, another tool): a second agent on it would fork the conversation. Seen by argv
  // or open files, and by the vendor's own record (a plain `claude` in a terminal names no id in its argv).
  const holders = new Map<number, string>();
  for (const p of sup.processes.using(f.vendorResumeId)) holders.set(p.pid, describeProcess(p));
  for (const h of safeHolders(sup, driver, f.vendorResumeId)) if (!holders.has(h.pid)) holders.set(h.pid, `pid ${h.pid}: ${h.detail}`);
  if (holders.size > 0) return failed('session-in-use', `vendor session ${f.vendorResumeId} is open in another process on this machine (${[...holders.values()].slice(0, 2).join('; ')}); close it there, then resume`);

  const r = await sup.guard<ResumeOutcome>(() => driver.resume({ vendorId: f.vendorResumeId, cwd: f.cwd, permissionMode: f.permissionMode }), stopLate);
  if (!r.done && r.threw !== null) return failed('vendor-error', `the ${f.backend} agent could not be started: ${r.threw}`);
  if (!r.done) return failed('timeout', 'the agent did not reopen the session in time');
  if (!r.value.ok) return failed(r.value.code, r.value.detail);
  const handle = r.value.handle;
  if (handle.vendorId !== f.vendorResumeId) {
    // Defence in depth: a driver must already refuse this; a fork is never adopted.
    await handle.stop();
    return failed('vendor-id-mismatch', `asked for ${f.vendorResumeId}, the agent opened ${handle.vendorId}`);
  }
  const prev = store.session(f.sessionId);
  store.putSession({
    sessionId: f.sessionId, provider: BACKEND_INFO[f.backend].provider, backend: f.backend, cwd: f.cwd,
    title: prev?.title ?? '', vendorId: f.vendorResumeId, resumable: true, pid: handle.pid, startRequestId: prev?.startRequestId ?? null,
  });
  sup.agents.attach(f.sessionId, handle);
  ok();
  // Its first turn may still reveal another session (Claude's `system/init`): deliver.ts undoes the resume then.
  const entry = sup.agents.get(f.sessionId);
  if (entry) entry.firstTurnOf = f.attemptId;
}

/** A driver's holders, or none if it throws (a driver bug must not block every resume). */
function safeHolders(sup: Supervision, driver: BackendDriver, vendorId: VendorId): readonly SessionHolder[] {
  try {
    return driver.holders?.(vendorId) ?? [];
  } catch (e) {
    sup.log.warn(`${driver.backend} holders: ${String(e)}`);
    return [];
  }
}
