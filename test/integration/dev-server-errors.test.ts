/**
 * When the Temporal dev server exits before it is ready, npm start's error says why: the
 * server's own last words, not just its exit code.
 */
import net from 'node:net';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';

jest.setTimeout(60_000);

test('a dev server on a port in use: the error quotes its reason', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    await expect(
      startTemporalDevServer({ port: address.port, uiPort: null, dbFile: null }),
    ).rejects.toThrow(
      new RegExp(`exited \\(code 1\\):\\n.*${address.port}.*address already in use`, 's'),
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
