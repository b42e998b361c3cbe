import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32, 26 characters.
 * Ids sort by creation time, so "newest first" and cursors need no second column.
 */
export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[nextRandomByte() & 31];
  return time + random;
}

// Random bytes drawn in blocks: one randomFillSync per 256 ids instead of one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function nextRandomByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++];
}

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
