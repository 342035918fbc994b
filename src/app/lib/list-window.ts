// Progressive rendering for the sessions list: the first screenful at once, the rest in idle-time chunks. Pure.

/** A lower bound on a session row's height (px), so the first chunk always fills the screen. */
export const MIN_ROW_HEIGHT = 56;

/** Rows to render before the first paint: enough to fill a viewport of `viewportHeight` px, and a few more. */
export function firstScreenful(viewportHeight: number): number {
  return Math.max(8, Math.ceil(Math.max(0, viewportHeight) / MIN_ROW_HEIGHT) + 4);
}

/**
 * The limit after one more chunk. Once every row is in, it is unbounded, so a session that arrives
 * later shows at once instead of pushing the last row out until the next chunk.
 */
export function nextLimit(limit: number, total: number, chunk: number): number {
  const next = limit + Math.max(1, chunk);
  return next >= total ? Number.POSITIVE_INFINITY : next;
}

export interface GroupSlice<G> {
  readonly group: G;
  /** Keys of the group's rows to render now, in the group's order. */
  readonly keys: readonly string[];
}

/**
 * The first `limit` rows across the groups, in order. Groups with no row rendered yet are left out, so a
 * heading never shows without its rows.
 */
export function sliceGroups<G>(groups: readonly G[], rowKeys: (group: G) => readonly string[], limit: number): GroupSlice<G>[] {
  const out: GroupSlice<G>[] = [];
  let left = Math.max(0, limit);
  for (const group of groups) {
    if (left <= 0) break;
    const all = rowKeys(group);
    const keys = all.length <= left ? all : all.slice(0, left);
    left -= keys.length;
    if (keys.length > 0) out.push({ group, keys });
  }
  return out;
}
