import { monotonicFactory, ulid } from 'ulid';

const monotonic = monotonicFactory();
let latest = 0;

/**
 * A ULID (the `ulid` package): 48 bits of milliseconds then 80 random bits, Crockford base32,
 * 26 characters. Ids sort by creation time, so "newest first" and cursors need no second
 * column. While time moves forward, ids made in the same millisecond still sort in the order
 * they were made (the random part is incremented); an earlier time than the latest seen (a
 * clock stepped back, a test's fixed time) keeps its own time with fresh random bits.
 */
export function newId(now = Date.now()): string {
  if (now >= latest) {
    latest = now;
    return monotonic(now);
  }
  return ulid(now);
}

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
