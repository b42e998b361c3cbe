import { chunks } from './chunks';

describe('chunks', () => {
  it('cuts at the row bound', () => {
    const rows = Array.from({ length: 7 }, (_, i) => i);
    expect([...chunks(rows, () => 1, 3, Infinity)].map((c) => c.length)).toEqual([3, 3, 1]);
  });

  it('cuts at the weight bound, but never leaves a heavy row alone outside a chunk', () => {
    const weights = [4, 4, 9, 1, 1];
    expect([...chunks(weights, (w) => w, 10, 8)]).toEqual([[4, 4], [9], [1, 1]]);
  });

  it('yields nothing for no rows', () => {
    expect([...chunks([], () => 1, 3, Infinity)]).toEqual([]);
  });
});
