// Zips made byte by byte, as an attacker would write an audit artifact: a small file that inflates to hundreds of
// megabytes (declaring its size, or lying about it), and a zip of more entries than any audit artifact has.
import { constants, crc32, createDeflateRaw } from 'node:zlib';

interface Entry {
  name: string;
  /** The bytes as stored. */
  data: Buffer;
  method: 0 | 8;
  crc: number;
  /** What the headers declare the entry inflates to. */
  size: number;
}

function localHeader(e: Entry): Buffer {
  const name = Buffer.from(e.name);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(e.method, 8);
  h.writeUInt32LE(e.crc >>> 0, 14);
  h.writeUInt32LE(e.data.length, 18);
  h.writeUInt32LE(e.size >>> 0, 22);
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

function centralHeader(e: Entry, offset: number): Buffer {
  const name = Buffer.from(e.name);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt32LE(e.crc >>> 0, 16);
  h.writeUInt32LE(e.data.length, 20);
  h.writeUInt32LE(e.size >>> 0, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, name]);
}

function zipOf(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const local = Buffer.concat([localHeader(e), e.data]);
    central.push(centralHeader(e, offset));
    parts.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/**
 * `name` inflating to `inflatedBytes` of spaces (a valid-looking start of JSON would change nothing), compressed as
 * zlib does at its best: 560 MB become about 557 KB. `declaredSize` lets the headers lie.
 */
export async function bombZip(name: string, inflatedBytes: number, declaredSize = inflatedBytes): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let crc = 0;
  for (let left = inflatedBytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return zipOf([{ name, data: Buffer.concat(out), method: 8, crc, size: declaredSize }]);
}

/** A zip of `count` empty files and then `last` (stored): more entries than an audit artifact ever has. */
export function manyEntriesZip(count: number, last: { name: string; text: string }): Buffer {
  const empty = { data: Buffer.alloc(0), method: 0 as const, crc: 0, size: 0 };
  const entries: Entry[] = Array.from({ length: count }, (_, i) => ({ ...empty, name: `reports/${i}.json` }));
  const data = Buffer.from(last.text);
  entries.push({ name: last.name, data, method: 0, crc: crc32(data), size: data.length });
  return zipOf(entries);
}
