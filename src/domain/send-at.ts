const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Reads a requested send time: ISO 8601 with an offset or Z (`2030-01-15T09:30:00Z`), the
 * original service's `YYYY-MM-DD HH:MM:SS` (UTC), or RFC 2822 (`Tue, 15 Jan 2030 09:30:00 +0000`).
 * Answers the instant, or undefined when the text is none of these or names a day that does not
 * exist (`2027-02-30`: Date.parse would roll it over to March).
 */
export function parseSendAt(text: string): Date | undefined {
  const s = text.trim();
  const legacy = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (legacy) {
    const [, y, mo, d, h, mi, se] = legacy.map(Number);
    if (!dayExists(y, mo, d) || h > 23 || mi > 59 || se > 59) return undefined;
    return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  }
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(s);
  const rfc2822 =
    /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+\d{2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|Z)$/.exec(
      s,
    );
  if (iso && !dayExists(Number(iso[1]), Number(iso[2]), Number(iso[3]))) return undefined;
  if (
    rfc2822 &&
    !dayExists(Number(rfc2822[3]), MONTHS.indexOf(rfc2822[2].toLowerCase()) + 1, Number(rfc2822[1]))
  )
    return undefined;
  if (!iso && !rfc2822) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** True when the calendar has this day (month 1 to 12). */
export function dayExists(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
