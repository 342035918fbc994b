// Provider-native sessions on this machine that Baton does not manage, from every driver's own store.
import type { Backend, MachineUp } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';
import type { Logger } from './logger.ts';

type DirectList = Extract<MachineUp, { type: 'direct-sessions' }>['sessions'];
const MAX_DIRECT = 5_000;

export async function listDirectSessions(drivers: ReadonlyMap<Backend, BackendDriver>, managedVendorIds: ReadonlySet<string>, log: Logger): Promise<DirectList> {
  const lists = await Promise.all(
    [...drivers.values()].map(async (d) => {
      try {
        return await d.listDirect();
      } catch (e) {
        log.warn(`listing ${d.backend} sessions failed: ${String(e)}`);
        return [];
      }
    }),
  );
  const seen = new Set<string>();
  const out: DirectList[number][] = [];
  for (const s of lists.flat().sort((a, b) => b.updatedAt - a.updatedAt)) {
    const key = `${s.backend}:${s.vendorResumeId}`;
    if (managedVendorIds.has(s.vendorResumeId) || seen.has(key)) continue;
    seen.add(key);
    out.push({
      provider: s.provider, backend: s.backend, vendorResumeId: s.vendorResumeId,
      cwd: s.cwd.slice(0, 4096), title: s.title.slice(0, 200), updatedAt: Math.max(0, Math.floor(s.updatedAt)),
    });
    if (out.length >= MAX_DIRECT) break;
  }
  return out;
}
