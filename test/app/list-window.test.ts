// @vitest-environment node
// The sessions list renders a first screenful at once and the rest in chunks: which rows, in which groups, how many.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstScreenful, MIN_ROW_HEIGHT, nextLimit, sliceGroups } from '../../src/app/lib/list-window.ts';

const PROPS = { seed: 20_261_124, numRuns: 300 };

describe('sessions list, rendered progressively', () => {
  it('renders enough rows at once to fill the screen, more on a taller one', () => {
    const pixel7 = firstScreenful(839);
    expect(pixel7 * MIN_ROW_HEIGHT).toBeGreaterThanOrEqual(839);
    expect(pixel7).toBeLessThan(40); // a screenful, not the list
    expect(firstScreenful(1400)).toBeGreaterThan(pixel7);
    expect(firstScreenful(0)).toBeGreaterThan(0);
  });

  it('grows by a chunk at a time until every row is in, then stays unbounded for rows that arrive later', () => {
    const limits = [20];
    while (Number.isFinite(limits.at(-1)!)) limits.push(nextLimit(limits.at(-1)!, 500, 40));
    expect(limits.slice(0, 4)).toEqual([20, 60, 100, 140]);
    expect(limits.at(-2)).toBe(460);
    expect(limits.at(-1)).toBe(Number.POSITIVE_INFINITY);
    expect(limits).toHaveLength(13); // 12 idle chunks for 500 sessions
    expect(nextLimit(3, 5, 0)).toBe(4); // never stuck
  });

  it('shows the first rows across machine groups in order, and no group heading without its rows', () => {
    const groups = [
      { machine: 'desk', ids: ['a', 'b', 'c'] },
      { machine: 'laptop', ids: ['d', 'e'] },
      { machine: 'ci', ids: ['f'] },
    ];
    const ids = (g: (typeof groups)[number]) => g.ids;
    expect(sliceGroups(groups, ids, 4).map((s) => [s.group.machine, s.keys])).toEqual([
      ['desk', ['a', 'b', 'c']],
      ['laptop', ['d']],
    ]);
    expect(sliceGroups(groups, ids, 0)).toEqual([]);
    expect(sliceGroups(groups, ids, Number.POSITIVE_INFINITY).flatMap((s) => s.keys)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('for any groups and limit: exactly the first `limit` rows of the whole list, each in its own group', () => {
    const groupsArb = fc.array(fc.nat({ max: 30 }), { maxLength: 12 }).map((sizes) =>
      sizes.map((n, g) => ({ id: `g${g}`, rows: Array.from({ length: n }, (_, i) => `g${g}-r${i}`) })),
    );
    fc.assert(
      fc.property(groupsArb, fc.nat({ max: 400 }), (groups, limit) => {
        const all = groups.flatMap((g) => g.rows);
        const slices = sliceGroups(groups, (g) => g.rows, limit);
        expect(slices.flatMap((s) => s.keys)).toEqual(all.slice(0, limit));
        for (const s of slices) {
          expect(s.keys.length).toBeGreaterThan(0);
          expect(s.group.rows.slice(0, s.keys.length)).toEqual(s.keys);
        }
        // Groups keep their order.
        const order = slices.map((s) => groups.indexOf(s.group));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }),
      PROPS,
    );
  });
});
