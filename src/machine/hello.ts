// The hello a daemon sends: its session reports exactly as the supervisor made them, paged so that a
// machine with any number of sessions connects (the first page in the hello, the rest right after it).
import { PROTOCOL_VERSION, SESSION_REPORTS_PAGE, type MachineCapabilities, type MachineUp, type SessionReport } from '../core/index.ts';
import type { HelloFrames } from './server-link.ts';

/** Bytes of reports per frame, well under the server's frame limit (a report with 100 delivered ids is ~4 kB). */
const PAGE_BYTES = 256 * 1024;

export interface HelloIdentity {
  readonly token: string;
  readonly name: string;
  readonly capabilities: MachineCapabilities;
}

export function helloFrames(me: HelloIdentity, reports: readonly SessionReport[]): HelloFrames {
  const pages: SessionReport[][] = [[]];
  let bytes = 0;
  for (const r of reports) {
    const size = JSON.stringify(r).length + 1;
    if (pages.at(-1)!.length >= SESSION_REPORTS_PAGE || (bytes + size > PAGE_BYTES && pages.at(-1)!.length > 0)) {
      pages.push([]);
      bytes = 0;
    }
    pages.at(-1)!.push(r);
    bytes += size;
  }
  const [first, ...rest] = pages as [SessionReport[], ...SessionReport[][]];
  const hello: Extract<MachineUp, { type: 'hello' }> = {
    type: 'hello', protocol: PROTOCOL_VERSION, token: me.token, name: me.name, capabilities: me.capabilities, sessions: first,
    // Only when needed: a hello that fits in one frame is the same as before paging existed.
    ...(rest.length > 0 ? { more: true as const } : {}),
  };
  return { hello, pages: rest.map((sessions, i) => ({ type: 'session-reports', sessions, last: i === rest.length - 1 })) };
}
