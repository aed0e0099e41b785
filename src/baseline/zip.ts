import { inflateRawSync } from 'node:zlib';

/**
 * One file out of an artifact's zip, read from the zip's central directory and inflated with a bound. The artifact
 * is written by whoever ran the job, so its zip is untrusted: a 557 KB zip can inflate to gigabytes (the sizes it
 * declares may lie), and it can hold any number of entries. Nothing here grows with what the zip claims.
 */
export interface ZipLimits {
  /** The most entries a zip may have: an audit artifact holds a few hundred. */
  maxEntries: number;
  /** The most bytes the file may inflate to. */
  maxBytes: number;
}

export type ZipRead = { found: Buffer } | { missing: true } | { problem: string };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is 22 bytes, followed by a comment of at most 65,535. */
const EOCD_SEARCH = 22 + 0xffff;

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The end-of-central-directory record: where the directory is and how many entries it has. */
function endRecord(zip: Buffer): { count: number; offset: number } | string {
  const from = Math.max(0, zip.length - EOCD_SEARCH);
  for (let at = zip.length - 22; at >= from; at -= 1) {
    if (zip.readUInt32LE(at) !== EOCD) continue;
    const count = zip.readUInt16LE(at + 10);
    const offset = zip.readUInt32LE(at + 16);
    if (count === 0xffff || offset === 0xffffffff) return 'it is a ZIP64 archive, which an audit artifact never is';
    return { count, offset };
  }
  return 'it is not a zip (no end of central directory)';
}

function centralEntry(zip: Buffer, at: number): { entry: CentralEntry; next: number } | undefined {
  if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) return undefined;
  const nameLength = zip.readUInt16LE(at + 28);
  const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  if (next > zip.length) return undefined;
  const entry: CentralEntry = {
    name: zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
    flags: zip.readUInt16LE(at + 8),
    method: zip.readUInt16LE(at + 10),
    compressedSize: zip.readUInt32LE(at + 20),
    size: zip.readUInt32LE(at + 24),
    localOffset: zip.readUInt32LE(at + 42),
  };
  return { entry, next };
}

/** The central directory's entry of `name`, or why the zip is not read. */
function findEntry(zip: Buffer, name: string, limits: ZipLimits): CentralEntry | 'missing' | string {
  const end = endRecord(zip);
  if (typeof end === 'string') return end;
  if (end.count > limits.maxEntries) return `it has ${end.count} entries, more than the ${limits.maxEntries} read`;
  let at = end.offset;
  for (let i = 0; i < end.count; i += 1) {
    const read = centralEntry(zip, at);
    if (!read) return 'its central directory is damaged';
    if (read.entry.name === name) return read.entry;
    at = read.next;
  }
  return 'missing';
}

/** The entry's bytes as stored: after its local header, whose name and extra field may differ in length. */
function storedBytes(zip: Buffer, entry: CentralEntry): Buffer | undefined {
  const at = entry.localOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) return undefined;
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  return end <= zip.length ? zip.subarray(start, end) : undefined;
}

function inflate(data: Buffer, method: number, maxBytes: number): Buffer | string {
  if (method === 0) return data.length > maxBytes ? `it is larger than ${maxBytes} bytes` : data;
  if (method !== 8) return `it is compressed with method ${method}, not deflate`;
  try {
    // The output is bounded whatever the entry declares: a bomb stops here, not in memory.
    return inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    const tooLarge = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
    return tooLarge ? `it inflates to more than ${maxBytes} bytes` : 'its data does not inflate';
  }
}

/** The named file of a zip held in memory: its bytes, that it is not there, or why it is not read. */
export function readZipEntry(zip: Buffer, name: string, limits: ZipLimits): ZipRead {
  const entry = findEntry(zip, name, limits);
  if (entry === 'missing') return { missing: true };
  if (typeof entry === 'string') return { problem: entry };
  if (entry.flags & 1) return { problem: `${name} is encrypted` };
  if (entry.size > limits.maxBytes) return { problem: `${name} is ${entry.size} bytes, more than ${limits.maxBytes}` };
  const data = storedBytes(zip, entry);
  if (!data) return { problem: `the data of ${name} is not where the zip says` };
  const bytes = inflate(data, entry.method, limits.maxBytes);
  if (typeof bytes === 'string') return { problem: `${name}: ${bytes}` };
  if (bytes.length !== entry.size) return { problem: `${name} is not the size the zip declares` };
  return { found: bytes };
}
