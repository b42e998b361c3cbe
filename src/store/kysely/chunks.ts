/** Rows per multi-row INSERT, well under both dialects' bound-parameter limits. */
export const ROWS_PER_INSERT = 1000;
/** Message bytes per multi-row INSERT into emails, so large attachments do not make one huge statement. */
export const BYTES_PER_INSERT = 16 * 1024 * 1024;

/** Splits rows into runs of at most `maxRows` rows and (past the first row) `maxWeight` weight. */
export function* chunks<T>(
  rows: T[],
  weigh: (row: T) => number,
  maxRows: number,
  maxWeight: number,
): Generator<T[]> {
  let chunk: T[] = [];
  let weight = 0;
  for (const row of rows) {
    const w = weigh(row);
    if (chunk.length > 0 && (chunk.length >= maxRows || weight + w > maxWeight)) {
      yield chunk;
      chunk = [];
      weight = 0;
    }
    chunk.push(row);
    weight += w;
  }
  if (chunk.length > 0) yield chunk;
}

/** Rows of at most ROWS_PER_INSERT, whatever their size. */
export function rowChunks<T>(rows: T[]): Generator<T[]> {
  return chunks(rows, () => 1, ROWS_PER_INSERT, Infinity);
}

/** A composite key as one string (for sets and maps). */
export function keyOf(...parts: string[]): string {
  return JSON.stringify(parts);
}

/** Byte-wise (code unit) order, as the database compares ids. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
