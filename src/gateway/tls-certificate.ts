import { promises as fs } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

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
