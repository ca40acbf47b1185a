import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Received = {
  readonly webhookId: string;
  readonly position: number;
  readonly type: string;
  readonly status: number;
  /** The signature checked with the standardwebhooks library's own verify. */
  readonly verified: boolean;
  readonly payload: { type: string; timestamp: string; data: { position: number; delegationId: string; eventType: string } } | null;
};

export type Receiver = {
  readonly url: string;
  readonly requests: Received[];
  /** Positions answered 2xx, in arrival order. */
  accepted(): number[];
  setSecret(secret: string): void;
  /** Decides the status of the next request (n counts every request from 1). */
  answer(decide: (n: number) => number): void;
  close(): Promise<void>;
};

/** A local receiver on 127.0.0.1:0 that verifies every delivery's signature and answers as told. */
export async function startReceiver(decide: (n: number) => number = () => 204): Promise<Receiver> {
  const requests: Received[] = [];
  let verifier: Webhook | null = null;
  let decision = decide;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = decision(requests.length + 1);
      requests.push(record(body, request.headers, verifier, status));
      response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.position),
    setSecret: (secret) => {
      verifier = new Webhook(secret);
    },
    answer: (next) => {
      decision = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function record(body: string, headers: IncomingHttpHeaders, verifier: Webhook | null, status: number): Received {
  const webhookId = String(headers['webhook-id']);
  let verified = false;
  let payload: Received['payload'] = null;
  try {
    payload = verifier?.verify(body, headers as Record<string, string>) as Received['payload'];
    verified = verifier !== null;
  } catch {
    verified = false;
  }
  return { webhookId, position: Number(webhookId.replace('evt_', '')), type: payload?.type ?? '', status, verified, payload };
}
