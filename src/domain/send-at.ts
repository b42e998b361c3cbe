/**
 * Reads a requested send time: ISO 8601 with an offset or Z (`2030-01-15T09:30:00Z`), the
 * original service's `YYYY-MM-DD HH:MM:SS` (UTC), or RFC 2822 (`Tue, 15 Jan 2030 09:30:00 +0000`).
 * Answers the instant, or undefined when the text is none of these.
 */
export function parseSendAt(text: string): Date | undefined {
  const s = text.trim();
  const legacy = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (legacy) {
    const [, y, mo, d, h, mi, se] = legacy.map(Number);
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
    return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : undefined;
  }
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const rfc2822 =
    /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|Z)$/;
  if (!iso.test(s) && !rfc2822.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
