// Provider-native sessions on this machine that Baton does not manage, from every driver's own store,
// and which backends were listed in full (so the server may drop those of theirs that are gone).
import type { Backend, MachineUp } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';
import type { Logger } from './logger.ts';

type DirectList = Extract<MachineUp, { type: 'direct-sessions' }>['sessions'];
const MAX_DIRECT = 5_000;

export interface DirectListing {
  readonly sessions: DirectList;
  /** Backends whose store was read without error and of which nothing was cut by the frame's limit. */
  readonly complete: Backend[];
}

export async function listDirectSessions(drivers: ReadonlyMap<Backend, BackendDriver>, managedVendorIds: ReadonlySet<string>, log: Logger): Promise<DirectListing> {
  const failed = new Set<Backend>();
  const lists = await Promise.all(
    [...drivers.values()].map(async (d) => {
      try {
        return await d.listDirect();
      } catch (e) {
        failed.add(d.backend);
        log.warn(`listing ${d.backend} sessions failed: ${String(e)}`);
        return [];
      }
    }),
  );
  const seen = new Set<string>();
  const out: DirectList[number][] = [];
  const cut = new Set<Backend>();
  for (const s of lists.flat().sort((a, b) => b.updatedAt - a.updatedAt)) {
    // Keyed by vendor id alone: one conversation is one session, whichever backend's store names it.
    if (managedVendorIds.has(s.vendorResumeId) || seen.has(s.vendorResumeId)) continue;
    if (out.length >= MAX_DIRECT) {
      cut.add(s.backend);
      continue;
    }
    seen.add(s.vendorResumeId);
    out.push({
      provider: s.provider, backend: s.backend, vendorResumeId: s.vendorResumeId,
      cwd: s.cwd.slice(0, 4096), title: s.title.slice(0, 200), updatedAt: Math.max(0, Math.floor(s.updatedAt)),
    });
  }
  return { sessions: out, complete: [...drivers.keys()].filter((b) => !failed.has(b) && !cut.has(b)) };
}
