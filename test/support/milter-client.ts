import net from 'node:net';
import { packet } from '../../src/mailstack/milter/milter-codec.js';

export interface MilterReplyPacket {
  code: string;
  data: Buffer;
}

/** The MTA's side of the milter protocol, as Postfix speaks it, for protocol tests. */
export class MilterClient {
  private buffered = Buffer.alloc(0);
  private readonly replies: MilterReplyPacket[] = [];
  private waiting: Array<(reply: MilterReplyPacket | null) => void> = [];
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readUInt32BE(0)) {
        const length = this.buffered.readUInt32BE(0);
        const reply = {
          code: String.fromCharCode(this.buffered[4]!),
          data: Buffer.from(this.buffered.subarray(5, 4 + length)),
        };
        this.buffered = this.buffered.subarray(4 + length);
        const waiter = this.waiting.shift();
        if (waiter) waiter(reply);
        else this.replies.push(reply);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        for (const waiter of this.waiting.splice(0)) waiter(null);
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<MilterClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new MilterClient(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(code: string, ...strings: string[]): void {
    this.write(packet(code, Buffer.concat(strings.map((s) => Buffer.from(`${s}\0`, 'latin1')))));
  }

  /** The next reply packet, or null once the server closed the connection. */
  next(): Promise<MilterReplyPacket | null> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async ask(code: string, ...strings: string[]): Promise<MilterReplyPacket | null> {
    this.send(code, ...strings);
    return this.next();
  }

  /** Option negotiation as Postfix 3.7 offers it: version 6, every action, every protocol flag. */
  async negotiate(protocol = 0x1fffff): Promise<{ version: number; actions: number; protocol: number }> {
    const data = Buffer.alloc(12);
    data.writeUInt32BE(6, 0);
    data.writeUInt32BE(0x1ff, 4);
    data.writeUInt32BE(protocol, 8);
    this.write(packet('O', data));
    const reply = await this.next();
    if (reply?.code !== 'O') throw new Error(`no negotiation reply: ${JSON.stringify(reply)}`);
    return {
      version: reply.data.readUInt32BE(0),
      actions: reply.data.readUInt32BE(4),
      protocol: reply.data.readUInt32BE(8),
    };
  }

  /** A macro packet for the command `forCode`. */
  macros(forCode: string, macros: Record<string, string>): void {
    const strings = Object.entries(macros).flat();
    this.write(
      packet(
        'D',
        Buffer.concat([
          Buffer.from(forCode, 'latin1'),
          ...strings.map((s) => Buffer.from(`${s}\0`, 'latin1')),
        ]),
      ),
    );
  }

  /** CONNECT for an IPv4 client. */
  async connectFrom(address: string, port = 40000): Promise<MilterReplyPacket | null> {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16BE(port);
    this.write(
      packet(
        'C',
        Buffer.concat([
          Buffer.from('client.test\0'),
          Buffer.from('4'),
          portBytes,
          Buffer.from(`${address}\0`),
        ]),
      ),
    );
    return this.next();
  }

  /**
   * One message as Postfix sends it after DATA: macros, MAIL, RCPTs, each header, the end of the
   * headers, the body in chunks of at most `chunkBytes`, the end of the message. Returns the reply
   * at the end of the message (or the first that is not "continue").
   */
  async message(options: {
    login: string;
    queueId: string;
    from: string;
    recipients: string[];
    raw: Buffer;
    chunkBytes?: number;
  }): Promise<MilterReplyPacket | null> {
    const go = async (reply: Promise<MilterReplyPacket | null>) => {
      const got = await reply;
      return got?.code === 'c' ? null : got;
    };
    this.macros('M', { i: options.queueId, '{auth_authen}': options.login, '{auth_type}': 'PLAIN' });
    let stop = await go(this.ask('M', `<${options.from}>`, 'SIZE=100'));
    if (stop) return stop;
    for (const recipient of options.recipients) {
      stop = await go(this.ask('R', `<${recipient}>`));
      if (stop) return stop;
    }
    const split = options.raw.indexOf('\r\n\r\n');
    const head = options.raw.subarray(0, split).toString('latin1');
    const body = options.raw.subarray(split + 4);
    for (const line of head.split(/\r\n(?![ \t])/)) {
      const colon = line.indexOf(':');
      stop = await go(this.ask('L', line.slice(0, colon), line.slice(colon + 1)));
      if (stop) return stop;
    }
    stop = await go(this.ask('N'));
    if (stop) return stop;
    const chunkBytes = options.chunkBytes ?? 65535;
    for (let offset = 0; offset < body.length; offset += chunkBytes) {
      this.write(packet('B', body.subarray(offset, offset + chunkBytes)));
      stop = await go(this.next());
      if (stop) return stop;
    }
    this.macros('E', { i: options.queueId });
    return this.ask('E');
  }

  close(): void {
    this.socket.destroy();
  }
}
