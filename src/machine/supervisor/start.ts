// `start`: a fresh vendor session for a new Baton session, reported `started` with the vendor's id, or
// `start-failed`. A repeated start (after a reconnect) re-reports; it never starts a second vendor session.
import { BACKEND_INFO, type MachineDown, type ResumeFailureCode } from '../../core/index.ts';
import type { Supervision } from './context.ts';
import { stopLate } from './running.ts';

export async function startAgent(sup: Supervision, f: Extract<MachineDown, { type: 'start' }>): Promise<void> {
  const { store, send } = sup;
  const known = store.session(f.sessionId);
  if (known) {
    if (known.vendorId) send({ type: 'started', requestId: f.requestId, sessionId: f.sessionId, vendorId: known.vendorId });
    return;
  }
  const fail = (code: ResumeFailureCode, detail: string) =>
    send({ type: 'start-failed', requestId: f.requestId, sessionId: f.sessionId, code, detail: detail.slice(0, 2000) });
  const driver = sup.drivers.get(f.backend);
  if (!driver || driver.provider !== f.provider) return fail('dependency-missing', `no ${f.backend} backend for ${f.provider} on this machine`);
  const cap = sup.capabilities()[f.backend];
  if (cap && !cap.installed) return fail('dependency-missing', cap.detail ?? `${BACKEND_INFO[f.backend].command} is not installed`);
  const r = await sup.guard(() => driver.start({ cwd: f.cwd, title: f.title, permissionMode: f.permissionMode }), stopLate);
  if (!r.done && r.threw !== null) return fail('vendor-error', `the ${f.backend} agent could not be started: ${r.threw}`);
  if (!r.done) return fail('timeout', 'the agent did not start in time');
  if (!r.value.ok) return fail(r.value.code, r.value.detail);
  const handle = r.value.handle;
  store.putSession({
    sessionId: f.sessionId, provider: f.provider, backend: f.backend, cwd: f.cwd, title: f.title,
    vendorId: handle.vendorId, resumable: false, pid: handle.pid, startRequestId: f.requestId,
  });
  sup.agents.attach(f.sessionId, handle);
  send({ type: 'started', requestId: f.requestId, sessionId: f.sessionId, vendorId: handle.vendorId });
}
