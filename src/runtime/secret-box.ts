import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Encrypts short secrets kept in the database (webhook signing secrets) with AES-256-GCM, so that a
 * copy of the database or a backup alone does not give them away.
 *
 * The key is `secrets.key` (32 bytes, base64) or, when that is unset, DATA_DIR/keys/secret.key,
 * created on first use with mode 0600. Instances that share one PostgreSQL must share the key:
 * set the same `secrets.key` on every instance, or a secret sealed by one cannot be opened by another.
 */
export interface SecretBox {
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

export const SECRET_KEY_BYTES = 32;
/** NIST SP 800-38D §8.2: a 96-bit random IV; at most 2^32 seals per key keeps collisions negligible. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** The 32-byte key in base64 (or base64url), or null when it is not one. */
export function parseSecretKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === SECRET_KEY_BYTES ? key : null;
}

/** `v1.<iv>.<ciphertext>.<tag>`, each base64url; a fresh IV each time, so equal plaintexts differ. */
export function sealWithKey(key: Buffer, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(FORMAT));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Throws when the value was altered or sealed under another key (GCM authenticates both). */
export function openWithKey(key: Buffer, sealed: string): string {
  const [format, iv, ciphertext, tag, ...rest] = sealed.split('.');
  if (format !== FORMAT || iv === undefined || ciphertext === undefined || tag === undefined || rest.length)
    throw new Error('sealed secret: unknown format');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new Error('sealed secret: unknown format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(FORMAT));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error('sealed secret cannot be opened: altered, or sealed under another secrets.key');
  }
}

/** A box over `secrets.key`, or over the key file in dataDir, read (or created) on first use. */
export function createSecretBox(source: { key: string | null; dataDir: string }): SecretBox {
  let key: Promise<Buffer> | null = null;
  const loadKey = (): Promise<Buffer> => {
    if (key) return key;
    const loading =
      source.key === null
        ? readOrCreateKeyFile(path.join(source.dataDir, 'keys', 'secret.key'))
        : parseConfiguredKey(source.key);
    // A failed load (a read-only folder, say) is tried again next time rather than remembered.
    loading.catch(() => {
      if (key === loading) key = null;
    });
    key = loading;
    return loading;
  };
  return {
    seal: async (plaintext) => sealWithKey(await loadKey(), plaintext),
    open: async (sealed) => openWithKey(await loadKey(), sealed),
  };
}

async function parseConfiguredKey(text: string): Promise<Buffer> {
  const key = parseSecretKey(text);
  if (!key) throw new Error(`secrets.key must be ${SECRET_KEY_BYTES} bytes in base64`);
  return key;
}

/**
 * The 32-byte key in `file`, created (mode 0600, its folder 0700) when there is none yet. Also holds
 * the audit anchor key (audit/anchor-key.ts).
 */
export async function readOrCreateKeyFile(file: string): Promise<Buffer> {
  const folder = path.dirname(file);
  const name = path.basename(file);
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  try {
    return keyFrom(file, await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Written whole to a temporary file, then linked into place: link() refuses to replace an existing
  // file, so of two processes starting at once exactly one key wins and neither reads a partial file.
  const temporary = path.join(folder, `${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`);
      // Losing the key loses every secret sealed under it: make it durable before it is used.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await fs.rm(temporary, { force: true });
  }
  return keyFrom(file, await fs.readFile(file, 'utf8'));
}

export function keyFrom(file: string, text: string): Buffer {
  const key = parseSecretKey(text);
  if (!key) throw new Error(`${file} does not hold a ${SECRET_KEY_BYTES}-byte base64 key`);
  return key;
}
