import net from 'node:net';
import tls from 'node:tls';

export interface SmtpResponse {
  code: number;
  lines: string[];
  /** The text of the last line, without code and separator. */
  text: string;
}

/**
 * A line-level SMTP client for tests that must see exact replies, send malformed input or hang up
 * mid-command: things a well-behaved client library will not do.
 */
export class SmtpDialogue {
  private buffer = '';
  private waiters: Array<(response: SmtpResponse) => void> = [];
  private pending: SmtpResponse[] = [];
  private closedFlag = false;

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.attach();
  }

  static async connect(
    port: number,
    options: { implicitTls?: boolean } = {},
  ): Promise<{ client: SmtpDialogue; greeting: SmtpResponse }> {
    const socket = options.implicitTls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new SmtpDialogue(socket);
    const greeting = await client.read();
    return { client, greeting };
  }

  private attach(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.parse();
    });
    this.socket.on('close', () => {
      this.closedFlag = true;
    });
    this.socket.on('error', () => {});
  }

  private parse(): void {
    for (;;) {
      const lines = this.buffer.split('\r\n');
      let end = -1;
      for (let index = 0; index < lines.length - 1; index++) {
        if (/^\d{3} /.test(lines[index]!) || /^\d{3}$/.test(lines[index]!)) {
          end = index;
          break;
        }
      }
      if (end < 0) return;
      const responseLines = lines.slice(0, end + 1);
      this.buffer = lines.slice(end + 1).join('\r\n');
      const last = responseLines[end]!;
      const response = { code: Number(last.slice(0, 3)), lines: responseLines, text: last.slice(4) };
      const waiter = this.waiters.shift();
      if (waiter) waiter(response);
      else this.pending.push(response);
    }
  }

  read(timeoutMs = 10_000): Promise<SmtpResponse> {
    const ready = this.pending.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SMTP reply in time')), timeoutMs);
      this.waiters.push((response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<SmtpResponse> {
    this.socket.write(`${line}\r\n`);
    return this.read();
  }

  async startTls(): Promise<SmtpResponse> {
    const response = await this.command('STARTTLS');
    if (response.code !== 220) return response;
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain as net.Socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = '';
    this.attach();
    return response;
  }

  async authPlain(user: string, password: string): Promise<SmtpResponse> {
    return this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  }

  /** The certificate the server presented, or null while the session is in clear text. */
  peerCertificate(): tls.PeerCertificate | null {
    return this.socket instanceof tls.TLSSocket ? this.socket.getPeerCertificate() : null;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Hangs up without QUIT, as a crashed client would. */
  destroy(): void {
    this.socket.destroy();
  }

  async quit(): Promise<void> {
    if (!this.closedFlag) await this.command('QUIT').catch(() => undefined);
    this.socket.destroy();
  }
}
