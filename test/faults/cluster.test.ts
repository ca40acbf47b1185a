import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchCluster, skipScratchCluster, startScratchCluster } from './support/cluster.js';

const skip = await skipScratchCluster();

async function scalar(url: string, text: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query(text)).rows[0];
  } finally {
    await client.end();
  }
}

describe.skipIf(skip)('scratch cluster', () => {
  let cluster: ScratchCluster;
  beforeAll(async () => {
    cluster = await startScratchCluster();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('runs on a port of its own, never the shared server', () => {
    expect(cluster.port).toBeGreaterThanOrEqual(55_000);
    expect(cluster.port).toBeLessThan(56_000);
    expect(cluster.url).toContain(`:${cluster.port}/`);
  });

  it('keeps committed rows across a crash and a restart', async () => {
    await scalar(cluster.url, 'CREATE TABLE kept (n int)');
    await scalar(cluster.url, 'INSERT INTO kept VALUES (1)');
    await cluster.crash();
    await expect(scalar(cluster.url, 'SELECT 1')).rejects.toThrow();
    await cluster.start();
    expect(await scalar(cluster.url, 'SELECT count(*)::int AS n FROM kept')).toEqual({ n: 1 });
  });

  it('hangs a query while frozen and answers it after the thaw', async () => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      await cluster.freeze();
      let answered = false;
      const pending = client.query('SELECT 42 AS n').then((result) => {
        answered = true;
        return result.rows[0];
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answered).toBe(false);
      await cluster.thaw();
      expect(await pending).toEqual({ n: 42 });
    } finally {
      await cluster.thaw();
      await client.end();
    }
  });
});
