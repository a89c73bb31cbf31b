import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/**
 * `hold`: the message is taken whole and the reply to its final dot is never given (until the
 * client goes): a relay that has the message while its sender still waits to hear so.
 */
export type UpstreamMode = 'accept' | 'temporary-failure' | 'refuse' | 'refuse-some-recipients' | 'hold';

/**
 * A real SMTP server standing in for the organization's outbound relay: it records what it receives
 * and can be told to fail temporarily or refuse, as a real upstream would.
 */
export async function startUpstreamServer(): Promise<{
  port: number;
  received: ReceivedMessage[];
  setMode(mode: UpstreamMode): void;
  /** Resolves once `count` messages in all were held (mode `hold`) since the start. */
  held(count?: number): Promise<ReceivedMessage[]>;
  stop(): Promise<void>;
}> {
  const received: ReceivedMessage[] = [];
  const held: ReceivedMessage[] = [];
  const heldWaiters: Array<{ count: number; resolve: (messages: ReceivedMessage[]) => void }> = [];
  let mode: UpstreamMode = 'accept';
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (mode === 'refuse-some-recipients' && address.address.startsWith('nobody@')) {
        return callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (mode === 'temporary-failure')
          return callback(Object.assign(new Error('4.3.0 Try again later'), { responseCode: 451 }));
        if (mode === 'hold') {
          held.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
          });
          for (const waiter of heldWaiters.filter((w) => held.length >= w.count)) {
            heldWaiters.splice(heldWaiters.indexOf(waiter), 1);
            waiter.resolve([...held]);
          }
          return;
        }
        if (mode === 'refuse')
          return callback(Object.assign(new Error('5.7.1 Message refused by policy'), { responseCode: 554 }));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback(null, 'queued');
      });
    },
  });
  // A client that vanishes mid-session (a Mailwarden killed with SIGKILL) resets its connection;
  // smtp-server reports that as an 'error' event, which without a listener would crash the test.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received,
    setMode: (next) => {
      mode = next;
    },
    held: (count = 1) =>
      held.length >= count
        ? Promise.resolve([...held])
        : new Promise((resolve) => heldWaiters.push({ count, resolve })),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
