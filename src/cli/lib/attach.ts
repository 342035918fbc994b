// Terminal attach: print the transcript, stream new messages live, and send each stdin line as a message.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { MessageRecord } from '../../core/index.ts';
import type { ApiClient } from './api-client.ts';
import { openEvents } from './events.ts';
import { getSession, sendMessage } from './session-ops.ts';
import { fetchMessages, formatMessage } from './transcript.ts';

export interface AttachOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** Messages already sent (e.g. by `baton resume`) whose final state we wait for before leaving. */
  readonly pending?: readonly MessageRecord[];
}

/**
 * Runs until stdin ends (after every line sent has been answered or failed) or the session stops.
 * The socket is only a hint: on every hint we page messages over HTTP from the last seq we showed.
 */
export async function attachSession(api: ApiClient, sessionId: string, o: AttachOptions): Promise<number> {
  const shown = new Map<string, string>(); // message id → last printed state
  const open = new Map<string, number>((o.pending ?? []).map((m) => [m.id, m.seq])); // our messages not yet final → seq
  let lastSeq = 0;
  let inputEnded = false;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((r) => (finish = r));
  const print = (line: string) => o.output.write(`${line}\n`);

  const show = (m: MessageRecord) => {
    lastSeq = Math.max(lastSeq, m.seq);
    // Text still streaming in is printed once it is whole.
    if (m.entry?.kind === 'text' && m.entry.streaming) return;
    const toolStatus = m.entry?.kind === 'tool' ? m.entry.status : '';
    const key = `${m.state ?? ''}|${m.permission?.decision ?? ''}|${m.text.length}|${toolStatus}`;
    const prev = shown.get(m.id);
    if (prev === key) return;
    // A user message is printed once, then only when it fails (its later states are implied by the answer); a tool
    // call when it starts and when it ends.
    const firstTime = prev === undefined;
    shown.set(m.id, key);
    const toolEnded = toolStatus !== '' && toolStatus !== 'running' && !prev?.endsWith(`|${toolStatus}`);
    if (firstTime || toolEnded || m.state === 'failed' || m.state === 'unanswered' || (m.role === 'permission' && m.permission?.decision)) print(formatMessage(m));
    if (m.state === 'answered' || m.state === 'unanswered' || m.state === 'failed') open.delete(m.id);
    maybeDone();
  };
  const maybeDone = () => {
    if (inputEnded && open.size === 0) finish(0);
  };

  let catching = false;
  let catchAgain = false;
  const catchUp = async () => {
    if (catching) {
      catchAgain = true;
      return;
    }
    catching = true;
    try {
      do {
        catchAgain = false;
        // From the last seq shown, or earlier if one of our messages may still change state.
        const from = Math.min(lastSeq, ...[...open.values()].map((seq) => seq - 1));
        for (const m of await fetchMessages(api, sessionId, Math.max(0, from))) show(m);
        const s = await getSession(api, sessionId);
        if (s.status !== 'active' && open.size === 0 && s.availability.state !== 'resuming') {
          print(`-- session ${sessionId} is no longer running (${s.availability.state}${s.availability.state === 'blocked' ? `: ${s.availability.reason}` : ''})`);
          finish(0);
        }
      } while (catchAgain);
    } finally {
      catching = false;
    }
  };

  const events = openEvents(api, (f) => {
    if (f.type === 'message' && f.message.sessionId === sessionId) show(f.message);
    else if (f.type === 'changed' || f.type === 'welcome') void catchUp().catch(() => {});
  }, () => finish(1));
  await events.ready;
  await catchUp();

  const rl = createInterface({ input: o.input, terminal: false });
  let sending = Promise.resolve();
  rl.on('line', (line) => {
    const text = line.trimEnd();
    if (!text) return;
    // Lines go one after another so their order is the order typed.
    sending = sending.then(async () => {
      try {
        const m = await sendMessage(api, sessionId, text);
        open.set(m.id, m.seq);
        show(m);
      } catch (e) {
        print(`! not sent: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  });
  rl.on('close', () => {
    void sending.then(() => {
      inputEnded = true;
      maybeDone();
    });
  });

  const code = await finished;
  rl.close();
  events.close();
  return code;
}
