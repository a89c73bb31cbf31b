import type { Server } from 'node:net';

/**
 * Listens on host:port and settles once listening, or with the error that stopped it (a port in use):
 * the start-up of every TCP listener (HTTP, the Postfix policy port, the milter).
 */
export function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
