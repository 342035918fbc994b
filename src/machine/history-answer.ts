// The daemon's answer to a `history-request`: read from the vendor's store by the backend's driver, only
// for sessions this machine listed or manages (the server routes; it does not pick files to read here).
import { HISTORY, type Backend, type MachineDown, type MachineUp } from '../core/index.ts';
import type { BackendDriver, HistoryOutcome } from './providers/backend.ts';
import { TIMED_OUT, withTimeout } from './providers/shared/with-timeout.ts';

type Request = Extract<MachineDown, { type: 'history-request' }>;
type Answer = Extract<MachineUp, { type: 'history' }>;

export async function answerHistory(
  request: Request,
  drivers: ReadonlyMap<Backend, BackendDriver>,
  known: (vendorId: string) => boolean,
): Promise<Answer> {
  const fail = (code: 'vendor-not-found' | 'vendor-error' | 'dependency-missing', detail: string): Answer => ({ type: 'history', requestId: request.requestId, ok: false, code, detail: detail.slice(0, 2000) });
  const driver = drivers.get(request.backend);
  if (!driver) return fail('dependency-missing', `no ${request.backend} backend on this machine`);
  if (!known(request.vendorId)) return fail('vendor-not-found', `this machine has not listed or managed vendor session ${request.vendorId}`);
  // Under the server's own deadline, so a slow disk answers "failed" rather than nothing.
  const outcome = await withTimeout<HistoryOutcome>(driver.readHistory(request), HISTORY.timeoutMs - 1_000);
  if (outcome === TIMED_OUT) return fail('vendor-error', 'reading the vendor’s store took too long');
  return outcome.ok ? { type: 'history', requestId: request.requestId, ok: true, page: outcome.page } : fail(outcome.code, outcome.detail);
}
