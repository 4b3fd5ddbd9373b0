import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (size: number) => void;
  reject: (error: Error) => void;
}

// Extended-protocol messages (Parse, Bind, Describe, Execute, Close, Flush) are one unit with the Sync
// that follows them; anything else ends a unit when no transaction block is open.
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

/**
 * Lets many PostgreSQL clients share PGlite's single session safely. pglite-socket's own queue
 * interleaves clients message by message outside transactions, so two clients' Parse/Bind/Execute can
 * mix and run each other's statements. Here a client owns the session from its first message until the
 * session is idle again: its extended-protocol unit ended with Sync and no transaction is open.
 */
export class SessionQueue {
  private readonly queue: QueuedMessage[] = [];
  private owner: number | null = null;
  private running = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].handlerId === handlerId) this.queue.splice(i, 1)[0].reject(new Error('client disconnected'));
    }
  }

  /** A client that disconnects mid-transaction must not leave the session blocked. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.run();
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        if (index < 0 || index >= this.queue.length) return;
        const [next] = this.queue.splice(index, 1);
        this.owner = next.handlerId;
        let size = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data: Uint8Array) => {
                size += data.length;
                next.onData(data);
              },
            }),
          );
          next.resolve(size);
        } catch (error) {
          next.reject(error as Error);
        }
        if (!EXTENDED.has(next.message[0]) && !this.db.isInTransaction()) this.owner = null;
      }
    } finally {
      this.running = false;
    }
  }
}

/** A Unix-socket server for PGlite whose clients share the session through a SessionQueue. */
export function servePglite(db: PGlite, path: string, maxConnections: number): Promise<{ close(): Promise<void> }> {
  const queue = new SessionQueue(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket: Socket) => {
    if (handlers.size >= maxConnections) {
      socket.end();
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });
  server.maxConnections = maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const handler of handlers) handler.detach(true);
            handlers.clear();
            server.close(() => done());
          }),
      }),
    );
  });
}
