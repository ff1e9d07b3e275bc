/**
 * The Temporal dev server exiting before it is ready (scripts/lib/temporal-dev-server.ts):
 * it is started again a few times, and when it never comes up the error says why (the
 * server's own last words, not just its exit code).
 */
import net from 'node:net';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';

jest.setTimeout(60_000);

/** A port held by this process until `release` is called. */
async function takePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    release: () => new Promise<void>((resolve) => taken.close(() => resolve())),
  };
}

test('a port held all along: every start fails and the error quotes the reason', async () => {
  const { port, release } = await takePort();
  const said: string[] = [];
  try {
    await expect(
      startTemporalDevServer({ port, uiPort: null, dbFile: null, log: (l) => said.push(l) }),
    ).rejects.toThrow(new RegExp(`exited \\(code 1\\):\\n.*${port}.*address already in use`, 's'));
  } finally {
    await release();
  }
  expect(said.filter((line) => line.includes('trying again'))).toHaveLength(2);
});

test('a port freed while the server is started: a later attempt starts it', async () => {
  const { port, release } = await takePort();
  const freed = new Promise((r) => setTimeout(r, 300)).then(release);
  const server = await startTemporalDevServer({ port, uiPort: null, dbFile: null });
  try {
    await freed;
    expect(server.address).toBe(`127.0.0.1:${port}`);
    expect(server.process.exitCode).toBeNull();
  } finally {
    await server.stop();
  }
});
