// `adopt`: bind a taken-over direct session to its vendor id without starting anything (the first send resumes
// it strictly). A session already bound to another vendor id is never rebound; one outside the allowed folders is not bound.
import type { MachineDown } from '../../core/index.ts';
import type { Supervision } from './context.ts';

export function adoptSession(sup: Supervision, f: Extract<MachineDown, { type: 'adopt' }>): void {
  // The machine's policy, not the server's word: a session in a folder agents may not work in is not taken over
  // (its first message then fails `cwd-not-allowed` at the resume, which the same policy refuses).
  const refused = sup.policy?.cwdRefusal(f.cwd);
  if (refused) return void sup.log.warn(`refusing to take over session ${f.sessionId}: ${refused}`);
  const prev = sup.store.session(f.sessionId);
  if (prev && prev.vendorId && prev.vendorId !== f.vendorResumeId) {
    sup.log.warn(`refusing to rebind session ${f.sessionId} from ${prev.vendorId} to ${f.vendorResumeId}`);
    return;
  }
  sup.store.putSession({
    sessionId: f.sessionId, provider: f.provider, backend: f.backend, cwd: f.cwd, title: prev?.title ?? '',
    vendorId: f.vendorResumeId, resumable: true, pid: null, startRequestId: prev?.startRequestId ?? null,
  });
  sup.send({ type: 'resumable', sessionId: f.sessionId, vendorResumeId: f.vendorResumeId });
}
