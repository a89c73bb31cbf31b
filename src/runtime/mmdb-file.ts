import { type FileHandle, open } from 'node:fs/promises';
import { isIPv4 } from 'node:net';

/**
 * A MaxMind DB (MMDB, https://maxmind.github.io/MaxMind-DB/) read from its file a block at a time,
 * instead of whole into memory. The DB-IP City Lite files are 63 MB (IPv4) and 71 MB (IPv6): read
 * whole, as `maxmind`'s Reader needs them, they cost every worker process that much memory from its
 * first sign-in on (bench/idle-sessions). Read by block, a lookup touches some 20–30 blocks of 4 KiB
 * whose pages the kernel caches once for every process of the host, and each process keeps only its
 * BLOCK_CACHE most recently used blocks (the top of the search tree stays among them).
 *
 * Decodes what `maxmind` (mmdb-lib) decodes, to the same values: maps as plain objects, uint64 and
 * uint128 as bigint (test/runtime/mmdb-file.test.ts compares the two on the shipped files).
 */
export interface MmdbFile {
  /** The record of the network holding this address, null when none does. */
  get(ip: string): Promise<unknown>;
  close(): Promise<void>;
}

const BLOCK_BYTES = 4096;
/** Blocks kept per file: 1 MiB. */
const BLOCK_CACHE = 256;
/** "\xAB\xCD\xEFMaxMind.com": the metadata section follows its last occurrence. */
const METADATA_MARKER = Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex');
/** The metadata section is at most 128 KiB (MMDB spec, "Database Metadata"). */
const METADATA_MAX_BYTES = 128 * 1024;
/** 16 zero bytes between the search tree and the data section. */
const DATA_SECTION_SEPARATOR_BYTES = 16;
const POINTER_BASE = [0, 2048, 526_336, 0] as const;

/** Thrown by the synchronous decoder when a block is not in memory: the caller reads it and retries. */
class MissingBlock {
  constructor(readonly index: number) {}
}

export async function openMmdbFile(file: string): Promise<MmdbFile> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const tailBytes = Math.min(size, METADATA_MAX_BYTES);
    const tail = Buffer.alloc(tailBytes);
    await handle.read(tail, 0, tailBytes, size - tailBytes);
    const marker = tail.lastIndexOf(METADATA_MARKER);
    if (marker < 0) throw new Error(`${file}: not a MaxMind DB (no metadata marker)`);
    const metadata = new Decoder(
      (offset) => tail[offset] ?? 0,
      (start, end) => tail.subarray(start, end),
      0,
    ).decode(marker + METADATA_MARKER.length).value as {
      node_count: number;
      record_size: number;
      ip_version: number;
    };
    if (![24, 28, 32].includes(metadata.record_size))
      throw new Error(`${file}: unsupported record size ${metadata.record_size}`);
    return createReader(handle, metadata.node_count, metadata.record_size, metadata.ip_version);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function createReader(handle: FileHandle, nodeCount: number, recordSize: number, ipVersion: number) {
  const nodeBytes = recordSize / 4;
  const searchTreeBytes = nodeCount * nodeBytes;
  const blocks = new Map<number, Buffer>();
  const reading = new Map<number, Promise<void>>();

  const load = (index: number): Promise<void> => {
    let pending = reading.get(index);
    if (!pending) {
      pending = (async () => {
        const block = Buffer.alloc(BLOCK_BYTES);
        const { bytesRead } = await handle.read(block, 0, BLOCK_BYTES, index * BLOCK_BYTES);
        blocks.set(index, block.subarray(0, bytesRead));
        if (blocks.size > BLOCK_CACHE) blocks.delete(blocks.keys().next().value as number);
      })().finally(() => reading.delete(index));
      reading.set(index, pending);
    }
    return pending;
  };
  let lastIndex = -1;
  let lastBlock: Buffer | undefined;
  const byteAt = (offset: number): number => {
    const index = Math.floor(offset / BLOCK_BYTES);
    if (index !== lastIndex || !lastBlock) {
      const block = blocks.get(index);
      if (!block) throw new MissingBlock(index);
      // Most recently used last, so that the eviction in load drops the least recently used.
      blocks.delete(index);
      blocks.set(index, block);
      lastIndex = index;
      lastBlock = block;
    }
    const byte = lastBlock[offset - index * BLOCK_BYTES];
    if (byte === undefined) throw new Error('MaxMind DB: read past the end of the file');
    return byte;
  };
  const bytesAt = (start: number, end: number): Buffer => {
    const out = Buffer.alloc(end - start);
    for (let offset = start; offset < end; offset++) out[offset - start] = byteAt(offset);
    return out;
  };
  /** Runs a synchronous read of the file, loading each block it misses, until it has them all. */
  const withBlocks = async <T>(work: () => T): Promise<T> => {
    for (;;) {
      try {
        return work();
      } catch (error) {
        if (!(error instanceof MissingBlock)) throw error;
        await load(error.index);
      }
    }
  };
  const readNode = (node: number, bit: number): number => {
    const at = node * nodeBytes;
    const uint = (offset: number, length: number) => {
      let value = 0;
      for (let i = 0; i < length; i++) value = value * 256 + byteAt(offset + i);
      return value;
    };
    if (recordSize === 24) return bit ? uint(at + 3, 3) : uint(at, 3);
    if (recordSize === 32) return bit ? uint(at + 4, 4) : uint(at, 4);
    const middle = byteAt(at + 3);
    return bit ? (middle & 0x0f) * 2 ** 24 + uint(at + 4, 3) : (middle >> 4) * 2 ** 24 + uint(at, 3);
  };
  /** Where IPv4 addresses start in an IPv6 tree: after 96 zero bits (MMDB spec, "IPv4 addresses in an IPv6 tree"). */
  let ipv4Start: Promise<number> | null = null;
  const ipv4StartNode = () => {
    ipv4Start ??= (async () => {
      if (ipVersion === 4) return 0;
      let node = 0;
      for (let depth = 0; depth < 96 && node < nodeCount; depth++) {
        const from = node;
        node = await withBlocks(() => readNode(from, 0));
      }
      return node;
    })();
    return ipv4Start;
  };
  const decoder = new Decoder(byteAt, bytesAt, searchTreeBytes + DATA_SECTION_SEPARATOR_BYTES);

  return {
    async get(ip: string): Promise<unknown> {
      const address = addressBytes(ip);
      if (!address) throw new Error(`not an IP address: ${ip}`);
      const start = address.length === 4 ? await ipv4StartNode() : 0;
      const bits = address.length * 8;
      // One synchronous walk from the root, started over after each block it had to wait for: the
      // blocks it already read are in memory, so only the first lookups of a region wait at all.
      const node = await withBlocks(() => {
        let at = start;
        for (let depth = 0; depth < bits && at < nodeCount; depth++)
          at = readNode(at, ((address[depth >> 3] ?? 0) >> (7 - (depth % 8))) & 1);
        return at;
      });
      if (node <= nodeCount) return null;
      const recordAt = node - nodeCount + searchTreeBytes;
      return withBlocks(() => decoder.decode(recordAt).value);
    },
    close: () => handle.close(),
  };
}

/** The MMDB data section's decoder (spec, "Output Data Section"), over a byte reader. */
class Decoder {
  constructor(
    private readonly byteAt: (offset: number) => number,
    private readonly bytesAt: (start: number, end: number) => Buffer,
    /** Where pointers count from: the start of the data section. */
    private readonly pointerBase: number,
  ) {}

  decode(start: number): { value: unknown; offset: number } {
    let offset = start;
    const control = this.byteAt(offset++);
    let type = control >> 5;
    if (type === 1) {
      const pointerSize = (control >> 3) & 3;
      let packed = pointerSize === 3 ? 0 : control & 7;
      for (let i = 0; i <= pointerSize; i++) packed = packed * 256 + this.byteAt(offset + i);
      const target = this.pointerBase + (POINTER_BASE[pointerSize] ?? 0) + packed;
      return { value: this.decode(target).value, offset: offset + pointerSize + 1 };
    }
    if (type === 0) {
      type = this.byteAt(offset++) + 7;
      if (type < 8) throw new Error(`MaxMind DB: invalid extended type at ${offset}`);
    }
    let size = control & 0x1f;
    if (size === 29) size = 29 + this.byteAt(offset++);
    else if (size === 30) {
      size = 285 + this.uint(offset, 2);
      offset += 2;
    } else if (size === 31) {
      size = 65_821 + this.uint(offset, 3);
      offset += 3;
    }
    return this.decodeType(type, size, offset);
  }

  private decodeType(type: number, size: number, offset: number): { value: unknown; offset: number } {
    const end = offset + size;
    switch (type) {
      case 2:
        return { value: this.bytesAt(offset, end).toString('utf8'), offset: end };
      case 3:
        return { value: this.bytesAt(offset, offset + 8).readDoubleBE(0), offset: offset + 8 };
      case 4:
        return { value: this.bytesAt(offset, end), offset: end };
      case 5:
      case 6:
        if (size > 4) throw new Error(`MaxMind DB: invalid size for unsigned integer: ${size}`);
        return { value: this.uint(offset, size), offset: end };
      case 7: {
        const map: Record<string, unknown> = {};
        let at = offset;
        for (let i = 0; i < size; i++) {
          const key = this.decode(at);
          const value = this.decode(key.offset);
          map[String(key.value)] = value.value;
          at = value.offset;
        }
        return { value: map, offset: at };
      }
      case 8: {
        if (size === 0) return { value: 0, offset: end };
        const value = size < 4 ? this.uint(offset, size) : this.bytesAt(offset, end).readInt32BE(0);
        return { value, offset: end };
      }
      case 9:
      case 10: {
        if (size > 16) throw new Error(`MaxMind DB: invalid size for big unsigned integer: ${size}`);
        let value = 0n;
        for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(this.byteAt(offset + i));
        return { value, offset: end };
      }
      case 11: {
        const array: unknown[] = [];
        let at = offset;
        for (let i = 0; i < size; i++) {
          const item = this.decode(at);
          array.push(item.value);
          at = item.offset;
        }
        return { value: array, offset: at };
      }
      case 14:
        return { value: size !== 0, offset };
      case 15:
        return { value: this.bytesAt(offset, offset + 4).readFloatBE(0), offset: offset + 4 };
      default:
        throw new Error(`MaxMind DB: unknown type ${type} at ${offset}`);
    }
  }

  private uint(offset: number, length: number): number {
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + this.byteAt(offset + i);
    return value;
  }
}

/** The 4 or 16 bytes of an address, null when it is none. */
function addressBytes(ip: string): number[] | null {
  if (isIPv4(ip)) return ip.split('.').map(Number);
  const zone = ip.indexOf('%');
  let text = zone >= 0 ? ip.slice(0, zone) : ip;
  // An IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}
