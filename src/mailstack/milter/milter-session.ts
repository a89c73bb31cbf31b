import type { SubmittedContent } from './content-check.js';
import { MILTER_VERSION, type MilterCommand, type MilterReply, protocolFlags } from './milter-codec.js';

/**
 * Events this milter asks Postfix not to send (it needs neither) and wants header values with their
 * leading space, so that the message it judges is the message Postfix queues, byte for byte.
 */
const WANTED_PROTOCOL = protocolFlags.noUnknown | protocolFlags.noData | protocolFlags.headerLeadingSpace;

const CONTINUE: MilterReply = { kind: 'continue' };

/**
 * One milter connection's state: the macros Postfix sent, the client, and the message being
 * received (headers and body rebuilt into the bytes Postfix queues). At the end of a message the
 * content goes to `check`; an abort, a new message or a dropped connection forgets it.
 */
export class MilterSession {
  private readonly macros = new Map<string, string>();
  private clientIp: string | null = null;
  private helo: string | null = null;
  private message: {
    sender: string;
    recipients: string[];
    parts: Buffer[];
    bytes: number;
    tooBig: boolean;
  } | null = null;

  constructor(
    private readonly check: (content: SubmittedContent) => Promise<MilterReply>,
    private readonly maxMessageBytes: number,
  ) {}

  /** The reply to send, or null for the commands that get none (macros, abort, quit). */
  async handle(command: MilterCommand): Promise<MilterReply | null> {
    switch (command.kind) {
      case 'negotiate':
        if (command.version < 2) throw new MilterSessionError(`milter protocol version ${command.version}`);
        return {
          kind: 'negotiate',
          version: Math.min(command.version, MILTER_VERSION),
          // Replies only: the milter never edits the message.
          actions: 0,
          protocol: command.protocol & WANTED_PROTOCOL,
        };
      case 'macros':
        for (const [name, value] of command.macros) this.macros.set(name, value);
        return null;
      case 'connect':
        this.clientIp = command.address;
        return CONTINUE;
      case 'helo':
        this.helo = command.name;
        return CONTINUE;
      case 'mail':
        this.message = { sender: command.sender, recipients: [], parts: [], bytes: 0, tooBig: false };
        return CONTINUE;
      case 'rcpt':
        this.message?.recipients.push(command.recipient);
        return CONTINUE;
      case 'header': {
        const line = `${command.name}:${command.value.replace(/\r?\n/g, '\r\n')}\r\n`;
        this.append(Buffer.from(line, 'latin1'));
        return CONTINUE;
      }
      case 'end-of-headers':
        this.append(Buffer.from('\r\n'));
        return CONTINUE;
      case 'body':
        this.append(command.chunk);
        return CONTINUE;
      case 'end-of-message': {
        const message = this.message;
        this.message = null;
        if (!message) throw new MilterSessionError('end of message without a message');
        return this.check({
          login: this.macros.get('auth_authen') ?? '',
          queueId: this.macros.get('i') ?? '',
          clientIp: this.clientIp,
          helo: this.helo,
          envelopeFrom: message.sender,
          recipients: message.recipients,
          raw: message.tooBig ? null : Buffer.concat(message.parts, message.bytes),
        });
      }
      case 'abort':
        this.message = null;
        return null;
      case 'quit-new-connection':
        this.message = null;
        this.macros.clear();
        this.clientIp = null;
        this.helo = null;
        return null;
      case 'quit':
        return null;
      case 'data':
      case 'unknown-smtp-command':
        return CONTINUE;
    }
  }

  private append(bytes: Buffer): void {
    const message = this.message;
    if (!message || message.tooBig) return;
    if (message.bytes + bytes.length > this.maxMessageBytes) {
      // The rest is read and dropped; the end of the message gets the size refusal.
      message.tooBig = true;
      message.parts = [];
      return;
    }
    message.parts.push(bytes);
    message.bytes += bytes.length;
  }
}

/** The peer broke the protocol's order: the connection is closed (Postfix applies its default action). */
export class MilterSessionError extends Error {}
