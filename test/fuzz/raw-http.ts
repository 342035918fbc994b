// A bare HTTP/1.1 client for hostile requests: the path exactly as written (no URL normalization), a body
// with a Content-Length or chunked, and a fresh connection each time. fetch pools connections, and after an
// early 413 with `Connection: close` it reuses the closing socket for the next request; that is the
// client's problem, not the server's, and it must not hide what the server answered.
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export interface RawRequest {
  readonly method: string;
  /** Path and query, sent byte for byte. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | null;
  /** Transfer-Encoding: chunked instead of Content-Length. */
  readonly chunked: boolean;
}

export function sendRaw(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    // Explicit framing: Node's client sends DELETE and OPTIONS bodies unframed unless told.
    if (req.body !== null) {
      if (req.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(req.body.length);
    }
    const r = request({ host: hostname, port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is written: the answer is what counts.
    r.on('error', reject);
    if (req.body !== null) {
      if (req.chunked) for (let i = 0; i < req.body.length; i += 16_384) r.write(req.body.subarray(i, i + 16_384));
      else r.write(req.body);
    }
    r.end();
  });
}
