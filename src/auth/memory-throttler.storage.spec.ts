import { MemoryThrottlerStorage, SWEEP_EVERY_MS } from './memory-throttler.storage';

describe('MemoryThrottlerStorage', () => {
  const start = 1_700_000_000_000;
  let clock: number;
  let store: MemoryThrottlerStorage;
  /** A rule like the guard's: 3 requests a minute, blocked for the ttl once over. */
  const hit = (key = 'key:a', name = 'default', blockDuration = 60_000) =>
    store.increment(key, 60_000, 3, blockDuration, name);

  beforeEach(() => {
    clock = start;
    store = new MemoryThrottlerStorage(() => clock);
  });

  afterEach(() => store.onModuleDestroy());

  it('counts the hits of one fixed window', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    clock = start + 1_000;
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 59 });
    clock = start + 59_999;
    // 1 ms left, rounded up to a second.
    expect(await hit()).toMatchObject({ totalHits: 3, timeToExpire: 1, isBlocked: false });
  });

  it('starts a new window once the last one has ended', async () => {
    await hit();
    await hit();
    clock = start + 60_001;
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('at the window’s last millisecond, re-arms it and keeps the count, as Redis does', async () => {
    await hit();
    clock = start + 60_000;
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 60 });
    clock = start + 120_000;
    expect(await hit()).toMatchObject({ totalHits: 3, timeToExpire: 60 });
  });

  it('blocks when over the limit, for blockDuration, and keeps counting while blocked', async () => {
    for (let i = 0; i < 3; i++) await hit();
    clock = start + 10_000;
    expect(await hit()).toEqual({
      totalHits: 4,
      timeToExpire: 50,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    clock = start + 30_000;
    expect(await hit()).toEqual({
      totalHits: 5,
      timeToExpire: 30,
      isBlocked: true,
      timeToBlockExpire: 40,
    });
    clock = start + 69_500;
    // The window ended at 60 s, the block has not: a new count, still blocked.
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: true,
      timeToBlockExpire: 1,
    });
  });

  it('rounds the block up to whole seconds', async () => {
    for (let i = 0; i < 3; i++) await hit('key:a', 'default', 1_500);
    expect(await hit('key:a', 'default', 1_500)).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 2,
    });
  });

  it('restarts at 1 once the block (which outlives the window) is over', async () => {
    for (let i = 0; i < 4; i++) await hit(); // blocked until start + 60 s
    clock = start + 60_001;
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
  });

  it('at the block’s last millisecond, lifts it and restarts at 1, as the Redis script does', async () => {
    for (let i = 0; i < 3; i++) await hit();
    clock = start + 10_000;
    await hit(); // blocked until start + 70 s
    clock = start + 20_000;
    for (let i = 0; i < 5; i++) await hit(); // counted in the same window, still blocked
    clock = start + 70_000;
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('blocks again when a block shorter than the window ends and the count is still over', async () => {
    for (let i = 0; i < 3; i++) await hit('key:a', 'default', 5_000);
    expect(await hit('key:a', 'default', 5_000)).toMatchObject({ totalHits: 4, isBlocked: true });
    clock = start + 5_001;
    expect(await hit('key:a', 'default', 5_000)).toEqual({
      totalHits: 5,
      timeToExpire: 55,
      isBlocked: true,
      timeToBlockExpire: 5,
    });
  });

  it('keeps keys and throttler names apart', async () => {
    for (let i = 0; i < 4; i++) await hit('key:a', 'default');
    expect(await hit('key:a', 'default')).toMatchObject({ totalHits: 5, isBlocked: true });
    expect(await hit('key:b', 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit('key:a', 'burst')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(store.size).toBe(3);
  });

  it('sweeps records once their window and their block are both over', async () => {
    await hit('key:idle');
    for (let i = 0; i < 4; i++) await hit('key:blocked'); // window to 60 s, block to 60 s
    clock = start + 30_000;
    await hit('key:late'); // window to 90 s
    store.sweep(start + 60_000);
    expect(store.size).toBe(3); // every window is still in its last millisecond or later
    store.sweep(start + 60_001);
    expect(store.size).toBe(1);
    store.sweep(start + 90_001);
    expect(store.size).toBe(0);
  });

  it('keeps a record whose window is over while its block is not', async () => {
    for (let i = 0; i < 3; i++) await hit();
    clock = start + 10_000;
    await hit(); // window to 60 s, block to 70 s
    store.sweep(start + 65_000);
    expect(store.size).toBe(1);
    clock = start + 65_000;
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 5 });
  });

  it('sweeps on its own every minute until destroyed', async () => {
    store.onModuleDestroy();
    jest.useFakeTimers();
    try {
      store = new MemoryThrottlerStorage(() => clock);
      await hit();
      expect(jest.getTimerCount()).toBe(1);
      clock = start + 60_001;
      jest.advanceTimersByTime(SWEEP_EVERY_MS);
      expect(store.size).toBe(0);
      store.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('holds one fixed-size record per key however many hits it counts', async () => {
    for (let i = 0; i < 100_000; i++) {
      clock = start + Math.floor(i / 2); // 100,000 hits in 50 s
      await store.increment('key:busy', 60_000, 1_000_000, 60_000, 'default');
    }
    expect(store.size).toBe(1);
    // Three numbers, no list of hits (the library's storage keeps one timestamp per hit).
    expect([...store['counters'].values()]).toEqual([
      { hits: 100_000, windowEndsAt: start + 60_000, blockedUntil: -Infinity },
    ]);
    expect(await store.increment('key:busy', 60_000, 1_000_000, 60_000, 'default')).toEqual({
      totalHits: 100_001,
      timeToExpire: 11,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });
});
