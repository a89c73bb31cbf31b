import { createServer, Packet } from 'dns2';
import { freePort } from './cli-process.js';

/** One record of a test zone. TXT values longer than 255 bytes are split into character-strings. */
export type TestRecord =
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string }
  | { type: 'TXT'; text: string }
  | { type: 'MX'; exchange: string; priority: number };

/** Owner name (lower case, no trailing dot) → its records. A name not listed answers NXDOMAIN. */
export type TestZone = Record<string, TestRecord[]>;

export interface TestDnsServer {
  /** For dns.servers / MAILWARDEN_DNS_SERVERS. */
  address: string;
  /** Queries answered or dropped so far, by "name TYPE". */
  queries: string[];
  /** The most queries waiting for their (delayed) answer at one time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export interface TestDnsOptions {
  /** Names at or under these answer SERVFAIL. */
  servfail?: readonly string[];
  /** Names at or under these get no answer at all (the client times out). */
  silent?: readonly string[];
  /** Each answer waits this long (to measure concurrency). */
  delayMs?: number;
}

/** RFC 1035 §4.1.1 response codes (dns2 has them at runtime; its types do not list them). */
const RCODE = { SERVFAIL: 2, NXDOMAIN: 3 } as const;

const typeNames: Record<number, string> = {
  [Packet.TYPE.A]: 'A',
  [Packet.TYPE.AAAA]: 'AAAA',
  [Packet.TYPE.TXT]: 'TXT',
  [Packet.TYPE.MX]: 'MX',
};

const under = (name: string, suffixes: readonly string[] | undefined) =>
  (suffixes ?? []).some((suffix) => name === suffix || name.endsWith(`.${suffix}`));

function chunks(text: string): string[] {
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += 255) parts.push(text.slice(index, index + 255));
  return parts.length > 0 ? parts : [''];
}

/**
 * A real DNS server (the dns2 package) on 127.0.0.1, UDP and TCP on one free port, answering from
 * `zone`. Mailwarden's resolver talks to it exactly as to any other server.
 */
export async function startDnsServer(zone: TestZone, options: TestDnsOptions = {}): Promise<TestDnsServer> {
  const queries: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => {
      const question = request.questions[0];
      if (!question) return;
      const name = question.name.toLowerCase().replace(/\.$/, '');
      const typeName = typeNames[question.type] ?? String(question.type);
      queries.push(`${name} ${typeName}`);
      if (under(name, options.silent)) return;
      const response = Packet.createResponseFromRequest(request);
      if (under(name, options.servfail)) {
        response.header.rcode = RCODE.SERVFAIL;
      } else {
        const records = zone[name];
        if (!records) response.header.rcode = RCODE.NXDOMAIN;
        for (const record of records ?? []) {
          if (record.type !== typeName) continue;
          const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
          if (record.type === 'TXT')
            response.answers.push({ ...base, type: Packet.TYPE.TXT, data: chunks(record.text) } as never);
          else if (record.type === 'MX')
            response.answers.push({
              ...base,
              type: Packet.TYPE.MX,
              exchange: record.exchange,
              priority: record.priority,
            } as never);
          else
            response.answers.push({
              ...base,
              type: record.type === 'A' ? Packet.TYPE.A : Packet.TYPE.AAAA,
              address: record.address,
            } as never);
        }
      }
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const reply = () => {
        inFlight -= 1;
        void send(response).catch(() => undefined);
      };
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    },
  });
  server.on('requestError', () => undefined);
  server.on('error', () => undefined);
  const port = await freePort();
  await server.listen({ udp: { port, address: '127.0.0.1' }, tcp: { port, address: '127.0.0.1' } });
  return {
    address: `127.0.0.1:${port}`,
    queries,
    maxInFlight: () => maxInFlight,
    async close() {
      await server.close();
    },
  };
}
