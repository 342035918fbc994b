import { describe, expect, it } from 'vitest';
import { PROTOCOL_HISTORY, PROTOCOL_VERSION } from './protocol-version.ts';

describe('protocol version', () => {
  it('has one line for each socket at every version up to the current one', () => {
    const versions = Object.keys(PROTOCOL_HISTORY).map(Number);
    expect(versions).toEqual(Array.from({ length: PROTOCOL_VERSION }, (_, i) => i + 1));
    for (const entry of Object.values(PROTOCOL_HISTORY)) {
      for (const line of [entry.machine, entry.phone]) expect(line).toMatch(/^[^\n]{10,}$/);
    }
  });
});
