import { decodeTime } from 'ulid';
import { ID_PATTERN, newId } from './id';

describe('newId', () => {
  it('makes ULIDs that sort by time and do not repeat', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      newId(1_700_000_000_000 + Math.floor(i / 10)),
    );
    expect(ids.every((id) => ID_PATTERN.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const byTime = ids.map((id, i) => [id.slice(0, 10), i] as const);
    for (let i = 1; i < byTime.length; i++) expect(byTime[i][0] >= byTime[i - 1][0]).toBe(true);
    expect(newId(1).slice(0, 10)).toBe('0000000001');
  });

  it('orders ids made in the same millisecond by creation', () => {
    const now = 1_800_000_000_000;
    const ids = Array.from({ length: 1000 }, () => newId(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => decodeTime(id) === now)).toBe(true);
  });

  it('keeps an earlier time than the latest one seen', () => {
    newId(1_900_000_000_000);
    const earlier = newId(1_600_000_000_000);
    expect(decodeTime(earlier)).toBe(1_600_000_000_000);
    expect(newId(1_600_000_000_000)).not.toBe(earlier);
  });
});
