// The Postgres side of the synchronous bridge (pg-bridge.ts): a worker thread that owns the connections of one
// database link at a time. The server thread posts one numbered request and sleeps on a shared flag; this thread runs
// it with `pg`, posts the answer, writes the request's number to the flag and wakes it. A second connection LISTENs
// and forwards notifications to the server thread as ordinary (asynchronous) messages. A link that was closed leaves
// the worker idle: the next link of the process is attached to it (starting a worker and loading `pg` costs ~0.1 s).
// Plain JavaScript: a worker is started from a file, and this one runs the same from the source tree and from lib/.
import { parentPort } from 'node:worker_threads';
import pg from 'pg';

// Counts and ids are 64-bit: as JavaScript numbers (exact below 2^53), as SQLite gives them. Booleans as 0/1, too.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
pg.types.setTypeParser(16, (v) => (v === 't' ? 1 : 0));

parentPort.on('message', (m) => {
  if (m?.type === 'attach') attach(m);
});

function attach({ url, flag, port, notifications }) {
  const wake = new Int32Array(flag);

  /** The connection statements run on; made again after it broke (the next request then reconnects). */
  let client = null;
  async function connection() {
    if (client) return client;
    const c = new pg.Client({ connectionString: url, application_name: 'baton-server' });
    c.on('error', () => {
      if (client === c) client = null;
    });
    await c.connect();
    client = c;
    return c;
  }

  let listener = null;
  let closed = false;
  const channels = new Set();
  /** LISTENs on `more` too; after the listening connection broke it is made again (and says so: hints may be lost). */
  async function listen(more) {
    for (const ch of more) channels.add(ch);
    if (!listener) {
      const l = new pg.Client({ connectionString: url, application_name: 'baton-server-listen' });
      l.on('notification', (n) => notifications.postMessage({ channel: n.channel, payload: n.payload ?? '' }));
      l.on('error', () => {
        if (listener !== l) return;
        listener = null;
        const retry = () => {
          if (closed) return;
          listen([]).then(() => notifications.postMessage({ channel: '', payload: 'reconnected' }), () => setTimeout(retry, 1000));
        };
        setTimeout(retry, 200);
      });
      await l.connect();
      listener = l;
      for (const ch of channels) await l.query(`LISTEN ${ch}`);
      return;
    }
    for (const ch of more) await listener.query(`LISTEN ${ch}`);
  }

  async function handle(req) {
    switch (req.op) {
      case 'query': {
        const c = await connection();
        if (req.prefix) await c.query(req.prefix);
        const r = await c.query(req.name ? { name: req.name, text: req.text, values: req.values } : { text: req.text, values: req.values });
        return { rows: r.rows, changes: r.rowCount ?? 0 };
      }
      case 'exec': {
        const c = await connection();
        await c.query(req.text);
        return { rows: [], changes: 0 };
      }
      case 'listen':
        await listen(req.channels);
        return { rows: [], changes: 0 };
      case 'close':
        closed = true;
        await Promise.allSettled([client?.end(), listener?.end()]);
        client = null;
        listener = null;
        return { rows: [], changes: 0 };
      default:
        throw new Error(`unknown request ${req.op}`);
    }
  }

  port.on('message', async (req) => {
    let answer;
    try {
      answer = await handle(req);
    } catch (e) {
      answer = { error: { message: e?.message ?? String(e), code: e?.code ?? null, detail: e?.detail ?? null } };
    }
    port.postMessage({ ...answer, seq: req.seq });
    Atomics.store(wake, 0, req.seq);
    Atomics.notify(wake, 0);
    // The link is over: this worker waits for the next one.
    if (req.op === 'close') port.close();
  });
}
