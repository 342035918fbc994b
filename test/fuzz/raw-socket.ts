// Bytes straight onto a TCP connection, for request lines and upgrade handshakes no HTTP client would send.
import { connect } from 'node:net';

/** Writes `request` and collects what comes back until a response head is complete, the server closes, or `ms` pass. */
export function exchange(baseUrl: string, request: string, ms = 300): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let out = '';
    const s = connect(Number(port), hostname, () => s.write(request));
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, ms);
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (out.includes('\r\n\r\n')) done();
    });
    s.on('close', done);
    s.on('error', done);
  });
}

/** The status code of the first response line, or null when there was none. */
export function statusOf(reply: string): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return m ? Number(m[1]) : null;
}
