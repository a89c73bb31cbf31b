// Placeholder until the HTTP adapter lands (being written now).
import type { App } from '../app.js';
export interface HttpServer {
  start(host: string, port: number): Promise<void>;
  port(): number | null;
  stop(): Promise<void>;
}
export function createHttpServer(_app: App): HttpServer {
  throw new Error('not built yet');
}
