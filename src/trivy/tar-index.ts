import { open } from 'node:fs/promises';
import path from 'node:path';

/**
 * The entries of an uncompressed tar, from its 512-byte headers alone, read as Go's archive/tar reads them — Trivy
 * finds an archive's manifest, config and layers with go-containerregistry, which takes the first entry whose
 * `path.Clean`ed name matches and follows symbolic and hard links from the requested name's directory. Where two
 * readers could disagree on which bytes an entry holds, the archive is refused here rather than guessed at: its
 * layers then cannot be checked, so it is scanned with a cache of its own (never the shared one). Refused: a
 * header that is neither USTAR nor GNU or fails its checksum; entry types other than files, directories, links and
 * PAX records; PAX records that change an entry's size or make it sparse, or are longer than 64 KiB; GNU long names;
 * two entries whose cleaned names are equal. `docker save`, buildah and skopeo write none of these.
 */
export interface TarEntry {
  offset: number;
  size: number;
  type: 'file' | 'directory' | 'link';
  /** A link's target as written (resolved against the requested name's directory, as go-containerregistry does). */
  link?: string;
}

const BLOCK = 512;
const PAX_LIMIT = 65_536;
/** PAX keys that name an entry or describe it without changing where its bytes are. */
const PAX_KEYS = /^(path|linkpath|mtime|atime|ctime|uid|gid|uname|gname|(SCHILY|LIBARCHIVE)\.xattr\..+)$/;

/** Go's `path.Clean`: `./a` → `a`, `a//b/../c/` → `a/c`, `` → `.`. */
export function cleanName(name: string): string {
  if (name === '') return '.';
  const cleaned = path.posix.normalize(name);
  return cleaned.length > 1 ? cleaned.replace(/\/+$/, '') : cleaned;
}

/** NUL-terminated text, as Go's parseString. */
function text(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** Go's parseNumeric: base-256 when the high bit is set, else octal between spaces and NULs; anything else throws. */
function numeric(header: Buffer, start: number, length: number): number {
  const raw = header.subarray(start, start + length);
  if ((raw[0] ?? 0) & 0x80) {
    if ((raw[0] ?? 0) !== 0x80 || raw.subarray(1, length - 8).some((b) => b !== 0)) throw new Error('tar: bad size');
    return Number(raw.subarray(length - 8).readBigUInt64BE());
  }
  const digits = raw.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (!/^[0-7]*$/.test(digits)) throw new Error('tar: bad number');
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return numeric(header, 148, 8) === sum;
}

/** Records by their length prefix (`"%d %s=%s\n"`, the length counting the whole record). */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(length) || length <= 0 || at + length > data.length)
      throw new Error('tar: bad PAX record');
    const record = data.subarray(space + 1, at + length).toString('utf8');
    const equals = record.indexOf('=');
    if (equals <= 0 || !record.endsWith('\n')) throw new Error('tar: bad PAX record');
    const key = record.slice(0, equals);
    if (!PAX_KEYS.test(key)) throw new Error(`tar: PAX key ${key.slice(0, 40)} is not read here`);
    records.set(key, record.slice(equals + 1, -1));
    at += length;
  }
  return records;
}

/** One header: its format decides whether the prefix field extends the name (USTAR) or not (GNU). */
function headerFormat(header: Buffer): 'ustar' | 'gnu' {
  const magic = header.subarray(257, 265).toString('latin1');
  if (header[0] === 0x1f && header[1] === 0x8b) throw new Error('the archive is gzip-compressed');
  if (magic !== 'ustar\x0000' && magic !== 'ustar  \0') throw new Error('not a USTAR or GNU tar archive');
  if (!checksumOk(header)) throw new Error('tar: bad header checksum');
  if (magic === 'ustar\x0000') {
    // Go reads the prefix of a "star" header (trailer "tar\0") differently.
    if (header.subarray(508, 512).toString('latin1') === 'tar\0') throw new Error('tar: star header');
    return 'ustar';
  }
  return 'gnu';
}

const TYPES: Record<string, TarEntry['type'] | undefined> = { '0': 'file', '\0': 'file', '5': 'directory' };

/** Every entry by its cleaned name; throws where another reader could see other bytes (see above). */
export async function tarIndex(file: string): Promise<Map<string, TarEntry>> {
  const handle = await open(file, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const { size: total } = await handle.stat();
    const header = Buffer.alloc(BLOCK);
    let offset = 0;
    let pax: Map<string, string> | undefined;
    while (offset + BLOCK <= total) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
      // Go ends the archive at two zero blocks and fails on one followed by more: nothing past it counts.
      if (bytesRead < BLOCK || header.every((b) => b === 0)) break;
      const format = headerFormat(header);
      const flag = String.fromCharCode(header[156] ?? 0);
      const size = numeric(header, 124, 12);
      const dataOffset = offset + BLOCK;
      if (flag === 'x') {
        if (pax || size > PAX_LIMIT) throw new Error('tar: PAX header not read here');
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, dataOffset);
        pax = paxRecords(data);
        offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
        continue;
      }
      const type = flag === '1' || flag === '2' ? 'link' : TYPES[flag];
      if (!type) throw new Error(`tar: entry type ${JSON.stringify(flag)} not read here`);
      const prefix = format === 'ustar' ? text(header, 345, 155) : '';
      const plain = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100);
      const name = cleanName(pax?.get('path') ?? plain);
      const link = pax?.get('linkpath') ?? text(header, 157, 100);
      pax = undefined;
      if (entries.has(name)) throw new Error(`ambiguous entry ${name.slice(0, 200)}`);
      // Links and directories carry no data in Go's reader, whatever their size field says.
      const dataSize = type === 'file' ? size : 0;
      entries.set(name, { offset: dataOffset, size: dataSize, type, ...(type === 'link' ? { link } : {}) });
      offset = dataOffset + Math.ceil(dataSize / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
  return entries;
}

/** A regular file of the archive, links followed as go-containerregistry follows them (at most 8). */
export function resolveEntry(index: Map<string, TarEntry>, requested: string): TarEntry {
  let name = requested;
  for (let hops = 0; hops <= 8; hops += 1) {
    const entry = index.get(cleanName(name));
    if (!entry) throw new Error(`no ${name.slice(0, 200)} in the archive`);
    if (entry.type === 'file') return entry;
    if (entry.type !== 'link' || entry.link === undefined) throw new Error(`${name.slice(0, 200)} is not a file`);
    name = path.posix.join(path.posix.dirname(name), cleanName(entry.link));
  }
  throw new Error(`${requested.slice(0, 200)}: too many links`);
}
