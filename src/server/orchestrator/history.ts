// Reading a session's history from the vendor's store on its machine: ask the daemon, wait for its answer
// (bounded), and turn every way it can fail into a typed refusal. Nothing is stored on the server.
import { BatonError, HISTORY, asSessionId, asVendorId, type HistoryPage, type MachineUp } from '../../core/index.ts';
import { machineConnected, sendToMachine, type ServerContext } from '../context.ts';
import type { SessionRow } from '../store/sessions.ts';
import { newId } from '../tokens.ts';

type Answer = Extract<MachineUp, { type: 'history' }>;

export interface HistoryService {
  /** A page of the session's vendor history (newest `limit` before `before`); refuses with `unavailable` when its machine is offline or silent. */
  read(session: SessionRow, before: number | null, limit: number): Promise<HistoryPage>;
  /** True when a request here waited for it. */
  onAnswer(machineId: string, answer: Answer): boolean;
  /** The machine's socket closed: its unanswered requests fail now rather than at their deadline. */
  onDisconnect(machineId: string): void;
}

interface Pending {
  readonly machineId: string;
  readonly resolve: (a: Answer) => void;
  readonly reject: (e: BatonError) => void;
  readonly timer: NodeJS.Timeout;
}

export function createHistoryService(ctx: ServerContext, timeoutMs: number = HISTORY.timeoutMs): HistoryService {
  const pending = new Map<string, Pending>();
  const offline = () => new BatonError('unavailable', 'the machine that owns this session is not connected, so its history cannot be read now');

  return {
    async read(session, before, limit) {
      const vendorId = session.vendor_resume_id ?? session.vendor_id;
      if (!vendorId) throw new BatonError('conflict', 'this session has no vendor session yet, so the vendor has no history of it');
      if (!machineConnected(ctx, session.machine_id)) throw offline();
      const requestId = newId('hist');
      const answer = await new Promise<Answer>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new BatonError('unavailable', `the machine did not answer within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        timer.unref();
        pending.set(requestId, { machineId: session.machine_id, resolve, reject, timer });
        const sent = sendToMachine(ctx, session.machine_id, {
          type: 'history-request', requestId, sessionId: asSessionId(session.id), backend: session.backend, vendorId: asVendorId(vendorId), cwd: session.cwd, before, limit,
        });
        if (!sent) {
          clearTimeout(timer);
          pending.delete(requestId);
          reject(offline());
        }
      });
      if (answer.ok) return answer.page;
      if (answer.code === 'vendor-not-found') throw new BatonError('not-found', `the vendor has no such session on its machine any more: ${answer.detail}`);
      throw new BatonError('unavailable', `the machine could not read the history: ${answer.detail}`);
    },
    onAnswer(machineId, answer) {
      const p = pending.get(answer.requestId);
      // Only the machine asked may answer (another machine of the account cannot fill in someone's history).
      if (!p || p.machineId !== machineId) return false;
      pending.delete(answer.requestId);
      clearTimeout(p.timer);
      p.resolve(answer);
      return true;
    },
    onDisconnect(machineId) {
      for (const [id, p] of pending) {
        if (p.machineId !== machineId) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(offline());
      }
    },
  };
}
