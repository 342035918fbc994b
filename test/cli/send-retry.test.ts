// Regression: a send whose connection died before the answer (server restarting) was reported "not sent",
// though the server may have stored it; sending it again by hand then made a second copy. Now the CLI
// retries with the same client id, which the server dedupes, and only a refusal is final.
import { createServer, type IncomingMessage } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../src/cli/lib/api-client.ts';
import { sendMessage } from '../../src/cli/lib/session-ops.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
});

const bodyOf = (req: IncomingMessage) => new Promise<string>((r) => {
  let b = '';
  req.setEncoding('utf8').on('data', (d: string) => (b += d)).on('end', () => r(b));
});

/** A stand-in server: `answers[i]` decides what request i gets; every body is kept. */
async function standIn(answers: ('drop' | number)[]) {
  const bodies: { clientId: string; text: string }[] = [];
  const server = createServer(async (req, res) => {
    bodies.push(JSON.parse(await bodyOf(req)));
    const answer = answers[bodies.length - 1] ?? 500;
    if (answer === 'drop') return req.socket.destroy(); // the server went away before answering
    res.writeHead(answer, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer < 400
      ? { message: { id: 'msg_1', seq: 1, state: 'accepted', text: bodies[0]!.text } }
      : { error: { kind: 'blocked', message: 'no', reason: 'machine-offline' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  close = () => new Promise((r) => server.close(() => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, bodies };
}

it('retries a send whose connection dropped, with the same client id', async () => {
  const server = await standIn(['drop', 'drop', 202]);
  const m = await sendMessage(createApiClient(server.url, 'bt_x'), 'ses_1', 'hello', [1, 1, 1]);
  expect(m).toMatchObject({ id: 'msg_1', state: 'accepted' });
  expect(server.bodies).toHaveLength(3);
  expect(new Set(server.bodies.map((b) => b.clientId)).size).toBe(1);
});

it('does not retry a refusal', async () => {
  const server = await standIn([409]);
  await expect(sendMessage(createApiClient(server.url, 'bt_x'), 'ses_1', 'hello', [1, 1, 1])).rejects.toBeInstanceOf(ApiError);
  expect(server.bodies).toHaveLength(1);
});
