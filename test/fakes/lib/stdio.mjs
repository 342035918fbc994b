// JSON-lines over stdio for the fakes: read one JSON value per line from stdin, write one per line to stdout.
import { createInterface } from 'node:readline';

/** Calls `onMessage(value)` for each JSON line on stdin (bad lines go to `onBadLine`); `onEnd` when stdin closes. */
export function readJsonLines(onMessage, { onBadLine = () => {}, onEnd = () => {} } = {}) {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.trim().length === 0) return;
    let value;
    try {
      value = JSON.parse(line);
    } catch {
      onBadLine(line);
      return;
    }
    onMessage(value);
  });
  rl.on('close', onEnd);
  return rl;
}

export function writeJson(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Exit only after stdout drained, so the last line is never lost. */
export function exitAfterFlush(code) {
  process.stdout.write('', () => process.exit(code));
}
