// A small TCP load balancer for the two-instance soak, as Caddy or HAProxy would sit in front of the servers: each new
// connection goes to the next live instance, round robin (one counter for all clients), and a connection to an
// instance dies with it. It listens on one port per client (a daemon, the phones) only so the soak can see which
// instance holds a machine's socket; every port shares the same pool and the same counter.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  /** The URL a client named `front` connects through. */
  url(front: string): string;
  /** Health as the balancer's checks would see it: a down instance gets no new connections. */
  setUp(backend: number, up: boolean): void;
  /** The instance holding `front`'s newest open connection (a daemon keeps one: its socket), or null. */
  placement(front: string): number | null;
  /** When `front`'s newest open connection was made (0: none). */
  linkedAt(front: string): number;
  /** Drops every connection of `front` (a balancer reload, an idle cut): its client reconnects, round robin. */
  cut(front: string): void;
  close(): Promise<void>;
}

interface Link {
  readonly backend: number;
  at: number;
  readonly client: Socket;
  open: boolean;
}

export async function startBalancer(backendPorts: readonly number[], fronts: readonly string[]): Promise<Balancer> {
  const up = backendPorts.map(() => true);
  let next = 0;
  const links = new Map<string, Link[]>();
  const servers = new Map<string, { server: Server; port: number }>();

  /** Round robin over the live instances; an instance that refuses (killed before its check failed) passes to the next. */
  function route(front: string, client: Socket, tried = 0): void {
    const live = backendPorts.map((_, i) => i).filter((i) => up[i]);
    if (live.length === 0 || tried >= backendPorts.length) return void client.destroy();
    const backend = live[next++ % live.length]!;
    const upstream = connect(backendPorts[backend]!, '127.0.0.1');
    const link: Link = { backend, client, open: true, at: 0 };
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      link.at = Date.now();
      (links.get(front) ?? links.set(front, []).get(front)!).push(link);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    const end = () => {
      link.open = false;
      client.destroy();
      upstream.destroy();
      const list = links.get(front);
      if (list) links.set(front, list.filter((l) => l.open));
    };
    upstream.once('error', () => (connected ? end() : route(front, client, tried + 1)));
    upstream.once('close', () => connected && end());
    client.once('close', () => (connected ? end() : upstream.destroy()));
  }

  for (const front of fronts) {
    const server = createServer({ pauseOnConnect: true }, (client) => {
      client.on('error', () => client.destroy());
      route(front, client);
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    servers.set(front, { server, port });
  }

  return {
    url(front) {
      const s = servers.get(front);
      if (!s) throw new Error(`no balancer front ${front}`);
      return `http://127.0.0.1:${s.port}`;
    },
    setUp(backend, isUp) {
      up[backend] = isUp;
    },
    placement(front) {
      const open = (links.get(front) ?? []).filter((l) => l.open && up[l.backend]);
      return open.length > 0 ? open[open.length - 1]!.backend : null;
    },
    linkedAt(front) {
      const open = (links.get(front) ?? []).filter((l) => l.open && up[l.backend]);
      return open.length > 0 ? open[open.length - 1]!.at : 0;
    },
    cut(front) {
      for (const l of links.get(front) ?? []) l.client.destroy();
    },
    async close() {
      for (const list of links.values()) for (const l of list) l.client.destroy();
      await Promise.all([...servers.values()].map(({ server }) => new Promise((r) => server.close(r))));
    },
  };
}
