import { createServer, connect, type Server, type Socket } from 'node:net';

export type FreezableProxy = {
  readonly port: number;
  /** From now on nothing is forwarded either way and new connections are accepted but never answered: a frozen server. */
  freeze(): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of the shared PostgreSQL server that can stop forwarding: the
 * network view of a frozen or partitioned server, without touching the server itself.
 */
export async function freezableProxy(upstream: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return;
    const server = connect(upstream.port, upstream.host);
    track(server);
    client.on('data', (chunk) => void (frozen || server.write(chunk)));
    server.on('data', (chunk) => void (frozen || client.write(chunk)));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  const port = await listenOnFreePort(server);
  return {
    port,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A random port in 55000-55999 that is free (listening on it is the check). */
async function listenOnFreePort(server: Server): Promise<number> {
  for (let tries = 0; tries < 50; tries += 1) {
    const port = 55_000 + Math.floor(Math.random() * 1000);
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (listening) return port;
  }
  throw new Error('no free port in 55000-55999');
}
