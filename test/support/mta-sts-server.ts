import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface MtaStsServer {
  port: number;
  /** PEM of the certificate, as a CA file for score.mtaStsCaFile. */
  caFile: string;
  /** Paths requested, by Host header. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A real HTTPS server on 127.0.0.1 that serves /.well-known/mta-sts.txt per Host header
 * (mta-sts.<domain>), with one self-signed certificate naming every policy host. The DNS test zone
 * points mta-sts.<domain> at 127.0.0.1 and score.mtaStsPort at this port.
 */
export async function startMtaStsServer(
  policies: Record<string, string>,
  dir: string,
  options: { certifiedHosts?: readonly string[] } = {},
): Promise<MtaStsServer> {
  const hosts = options.certifiedHosts ?? Object.keys(policies);
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keySize: 2048,
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 2 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: hosts.map((host) => ({ type: 2, value: host })) },
    ],
  });
  const caFile = path.join(dir, 'mta-sts-ca.pem');
  writeFileSync(caFile, pems.cert);
  const requests: string[] = [];
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    requests.push(`${host}${req.url ?? ''}`);
    const policy = policies[host];
    if (req.url !== '/.well-known/mta-sts.txt' || policy === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    caFile,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
