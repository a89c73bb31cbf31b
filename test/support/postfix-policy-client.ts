import net from 'node:net';

/** A request as Postfix 3.7.11 sent it in the lab (shared/docs/MAILSTACK.md §1.1), for one RCPT. */
export function rcptRequest(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const request: Record<string, string | undefined> = {
    request: 'smtpd_access_policy',
    protocol_state: 'RCPT',
    protocol_name: 'ESMTP',
    client_address: '203.0.113.9',
    client_name: 'unknown',
    client_port: '48758',
    reverse_client_name: 'unknown',
    server_address: '127.0.0.1',
    server_port: '587',
    helo_name: 'laptop',
    sender: 'alice@example.org',
    recipient: 'carol@customer.test',
    recipient_count: '0',
    queue_id: '',
    instance: '15a2.6b092387.3463b.0',
    size: '0',
    etrn_domain: '',
    stress: '',
    sasl_method: 'PLAIN',
    sasl_username: 'alice@example.org',
    sasl_sender: '',
    ccert_subject: '',
    ccert_issuer: '',
    ccert_fingerprint: '',
    ccert_pubkey_fingerprint: '',
    encryption_protocol: 'TLSv1.3',
    encryption_cipher: 'TLS_AES_256_GCM_SHA384',
    encryption_keysize: '256',
    policy_context: '',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(request).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export function encodeRequest(attributes: Record<string, string>): string {
  return `${Object.entries(attributes)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')}\n\n`;
}

/**
 * Speaks the policy protocol the way Postfix's smtpd does, or any way a test wants: raw bytes in,
 * replies (the text after `action=`) out, in order.
 */
export class PolicyClient {
  private buffer = '';
  private replies: string[] = [];
  private waiters: Array<{ resolve: (reply: string) => void; reject: (error: Error) => void }> = [];
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const reply = block.startsWith('action=')
          ? block.slice('action='.length)
          : `(not an action) ${block}`;
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.replies.push(reply);
      }
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('connection closed'));
        resolve();
      });
    });
  }

  static async connect(port: number): Promise<PolicyClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new PolicyClient(socket);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one request and waits for its answer. */
  async ask(attributes: Record<string, string>): Promise<string> {
    this.write(encodeRequest(attributes));
    return this.read();
  }

  read(timeoutMs = 10_000): Promise<string> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.closedFlag) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (reply: string) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(new Error(`no policy reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves when the server closed the connection (or the client did). */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  close(): void {
    this.socket.destroy();
  }
}
