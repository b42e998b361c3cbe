import { planRoute, type RouteCandidate } from './route';

const c = (id: string, priority: number, weight = 1, enabled = true): RouteCandidate => ({
  id,
  priority,
  weight,
  enabled,
});

describe('planRoute', () => {
  it('orders by priority, lower first', () => {
    expect(planRoute([c('b', 2), c('a', 1), c('c', 3)], null)).toEqual(['a', 'b', 'c']);
  });

  it('leaves out disabled providers and honours a restriction', () => {
    expect(planRoute([c('a', 1, 1, false), c('b', 2), c('c', 3)], null)).toEqual(['b', 'c']);
    expect(planRoute([c('a', 1), c('b', 2), c('c', 3)], ['c', 'a'])).toEqual(['a', 'c']);
  });

  it('splits equal priorities by weight', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const first = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++)
      first[planRoute([c('a', 1, 3), c('b', 1, 1)], null, random)[0] as 'a' | 'b'] += 1;
    expect(first.a / 10_000).toBeGreaterThan(0.7);
    expect(first.a / 10_000).toBeLessThan(0.8);
  });
});
