// The terminal phrases a refusal's times itself: "last seen 2 min ago", never the raw number or an ISO string.
import { expect, it } from 'vitest';
import { describeApiError } from '../../src/cli/lib/api-client.ts';

it('says when an offline machine was last seen, in words', () => {
  const line = describeApiError(409, {
    kind: 'blocked', message: '“laptop” is not connected.', reason: 'machine-offline', sentence: '“laptop” is not connected.',
    fix: 'Start `baton daemon` on that machine.', lastSeenAt: Date.now() - 2 * 60_000,
  });
  expect(line).toBe('blocked: machine-offline: “laptop” is not connected (last seen 2 min ago). Start `baton daemon` on that machine.');
  expect(line).not.toMatch(/\d{4}-\d\d-\d\dT/);
});
