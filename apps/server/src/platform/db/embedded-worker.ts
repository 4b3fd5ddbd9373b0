// The embedded database's thread (startEmbeddedPostgresThread in embedded.ts): PGlite served on a Unix socket
// until the server says 'close'. Tells the server the socket's directory, or why it could not start.
import { parentPort, workerData } from 'node:worker_threads';
import { servePgliteOnSocket } from './embedded.ts';

const port = parentPort!;
try {
  const served = await servePgliteOnSocket({ pgdata: (workerData as { pgdata: string }).pgdata });
  port.on('message', (message) => {
    if (message !== 'close') return;
    void served
      .close()
      .catch((error) => console.error('the embedded database did not close cleanly:', error))
      .then(() => port.postMessage('closed'));
  });
  port.postMessage({ socketDir: served.socketDir });
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
