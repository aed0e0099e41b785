import { createHash } from 'node:crypto';

/** SHA-256 of a text or bytes, in hex: the one hash vulngate names things by. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
