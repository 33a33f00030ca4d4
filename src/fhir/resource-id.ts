import { randomBytes } from 'node:crypto';

/**
 * A new server-assigned resource id: a UUID version 7 (RFC 9562 §5.7), whose first 48 bits are
 * the creation time in milliseconds and the other 74 random. Ids made close together in time sort
 * together, so a new resource's rows go to the right-hand end of every index keyed by id (the
 * resource and history keys, each search table's owner index) instead of to a random page of it:
 * with random (version 4) ids every write dirtied pages all over those indexes, whose working set
 * outgrew PostgreSQL's shared_buffers during issue 8's assignment benchmark. Secrets and nonces
 * (tokens, jti, launch ids) stay random UUIDs.
 */
export function newResourceId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
