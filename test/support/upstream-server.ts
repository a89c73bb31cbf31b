import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

export type UpstreamMode = 'accept' | 'temporary-failure' | 'refuse' | 'refuse-some-recipients';

/**
 * A real SMTP server standing in for the organization's outbound relay: it records what it receives
 * and can be told to fail temporarily or refuse, as a real upstream would.
 */
export async function startUpstreamServer(): Promise<{
  port: number;
  received: ReceivedMessage[];
  setMode(mode: UpstreamMode): void;
  stop(): Promise<void>;
}> {
  const received: ReceivedMessage[] = [];
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
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
