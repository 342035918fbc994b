// One operation at a time per session, so a deliver never races the resume it follows; sessions run side by side.
import type { SessionId } from '../../core/index.ts';
import type { Logger } from '../logger.ts';

export type Serial = (sessionId: SessionId, op: () => Promise<void>) => Promise<void>;

export function createSerial(log: Logger): Serial {
  const queues = new Map<SessionId, Promise<void>>();
  return (sessionId, op) => {
    const prev = queues.get(sessionId) ?? Promise.resolve();
    const next = prev.then(op, op).catch((e: unknown) => log.error(`session ${sessionId}: ${String(e)}`));
    queues.set(sessionId, next);
    void next.then(() => {
      if (queues.get(sessionId) === next) queues.delete(sessionId);
    });
    return next;
  };
}
