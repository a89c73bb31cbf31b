import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** Where it came from, for the start-up log. */
  source: string;
}

/**
 * The configured certificate, or a self-signed one kept in DATA_DIR/tls/ so that every start (and
 * every instance on the same data dir) presents the same certificate, generated on first start.
 */
export async function loadTlsMaterial(options: {
  certFile: string | null;
  keyFile: string | null;
  dataDir: string;
  hostname: string;
}): Promise<TlsMaterial> {
  if (options.certFile && options.keyFile) {
    const [cert, key] = await Promise.all([fs.readFile(options.certFile), fs.readFile(options.keyFile)]);
    return { cert, key, source: options.certFile };
  }
  const directory = path.join(options.dataDir, 'tls');
  const certFile = path.join(directory, 'self-signed-cert.pem');
  const keyFile = path.join(directory, 'self-signed-key.pem');
  try {
    const [cert, key] = await Promise.all([fs.readFile(certFile), fs.readFile(keyFile)]);
    return { cert, key, source: certFile };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  // Loaded only to make the certificate (once per data dir): selfsigned brings an X.509 library
  // that a worker serving with a certificate on disk never needs.
  const { generate } = await import('selfsigned');
  const generated = await generate([{ name: 'commonName', value: options.hostname }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: options.hostname },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  // Write the key first and the certificate last: the certificate's presence marks a complete pair.
  await fs.writeFile(keyFile, generated.private, { mode: 0o600 });
  await fs.writeFile(certFile, generated.cert, { mode: 0o644 });
  return {
    cert: Buffer.from(generated.cert),
    key: Buffer.from(generated.private),
    source: `${certFile} (generated)`,
  };
}

export type TlsMaterialCheck =
  | { ok: true; subject: string; validTo: string; fingerprint256: string }
  | { ok: false; problem: string };

/**
 * Whether a certificate and key can replace the ones in use: both parse as PEM, the key belongs to
 * the (first) certificate, and the certificate is not expired or not yet valid. A renewal caught
 * half-written, a key from another pair, or a stale file fails here and the old pair stays.
 */
export function checkTlsMaterial(material: TlsMaterial, now: Date = new Date()): TlsMaterialCheck {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.cert);
  } catch (error) {
    return { ok: false, problem: `the certificate does not parse as PEM: ${describe(error)}` };
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(material.key)))
      return { ok: false, problem: 'the private key does not belong to the certificate' };
  } catch (error) {
    return { ok: false, problem: `the private key does not parse as PEM: ${describe(error)}` };
  }
  if (new Date(certificate.validTo).getTime() < now.getTime())
    return { ok: false, problem: `the certificate expired on ${certificate.validTo}` };
  if (new Date(certificate.validFrom).getTime() > now.getTime())
    return { ok: false, problem: `the certificate is valid only from ${certificate.validFrom}` };
  try {
    // The same check the TLS listeners make (chain and key in OpenSSL's own terms).
    createSecureContext({ key: material.key, cert: material.cert });
  } catch (error) {
    return { ok: false, problem: `OpenSSL refuses the pair: ${describe(error)}` };
  }
  return {
    ok: true,
    subject: certificate.subject.replaceAll('\n', ', '),
    validTo: certificate.validTo,
    fingerprint256: certificate.fingerprint256,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
