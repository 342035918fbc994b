// A stand-in for the server's machine socket that reads frames but confirms nothing (it answers no ping)
// until told to: what a server that crashes before applying frames looks like to the daemon's link.
import { WebSocketServer, type WebSocket } from 'ws';
import { SOCKET_PATHS, type MachineUp } from '../../src/core/index.ts';

export interface UnconfirmingServer {
  readonly wss: WebSocketServer;
  readonly url: string;
  /** Each connection and the frames it received, in order. */
  readonly connections: { sock: WebSocket; frames: MachineUp[] }[];
  /** From now on, answer pings (the pongs are what confirm frames). */
  confirm(): void;
  close(): Promise<void>;
}

export async function startUnconfirmingServer(): Promise<UnconfirmingServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: SOCKET_PATHS.machine, autoPong: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const connections: UnconfirmingServer['connections'] = [];
  let confirming = false;
  wss.on('connection', (sock) => {
    const c = { sock, frames: [] as MachineUp[] };
    connections.push(c);
    sock.on('ping', (d) => {
      if (confirming) sock.pong(d);
    });
    sock.on('message', (d) => {
      const f = JSON.parse(d.toString()) as MachineUp;
      c.frames.push(f);
      if (f.type === 'hello') sock.send(JSON.stringify({ type: 'welcome', protocol: 1, machineId: 'm-laptop' }));
    });
  });
  return {
    wss,
    url: `http://127.0.0.1:${(wss.address() as { port: number }).port}`,
    connections,
    confirm: () => void (confirming = true),
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
