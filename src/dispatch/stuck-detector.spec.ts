import { COLD_SLOW_MS, StuckDetector } from './stuck-detector';

/** A hand-driven clock: the detector reads only `now`. */
function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const POLICY = { slowCallFactor: 4, slowCallMinMs: 50, slowCallMaxMs: 2000 };

/** A provider answering in `ms`, sent `count` times one after the other. */
function warm(detector: StuckDetector, time: ReturnType<typeof clock>, ms: number, count = 20) {
  for (let i = 0; i < count; i++) {
    const token = detector.started();
    time.advance(ms);
    detector.ended(token, true);
  }
}

describe('StuckDetector', () => {
  it('suspects a provider whose sends stop answering, within a few usual latencies', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    warm(detector, time, 20);
    expect(detector.slowAfterMs).toBe(80);
    detector.started();
    time.advance(79);
    expect(detector.suspect()).toBe(false);
    time.advance(1);
    expect(detector.suspect()).toBe(true);
  });

  it('never suspects a provider that is merely slower but still answers (3x its usual latency)', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    warm(detector, time, 20);
    // Now every send takes 60 ms, with ten in flight at once, started 6 ms apart.
    const inFlight: Array<{ token: number; endsAt: number }> = [];
    for (let t = 0; t < 2000; t++) {
      time.advance(1);
      if (t % 6 === 0) inFlight.push({ token: detector.started(), endsAt: time.now() + 60 });
      while (inFlight.length && inFlight[0].endsAt <= time.now())
        detector.ended(inFlight.shift()!.token, true);
      expect(detector.suspect()).toBe(false);
    }
    // The usual latency followed it, so even a send at 4x the old usual is not slow now.
    expect(detector.slowAfterMs).toBeGreaterThan(200);
  });

  it('never suspects a busy stream whose latency jumps 3.5x while its answers keep coming', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    // A steady stream: a send every ms, each answered after `latency` ms, in order.
    const inFlight: Array<{ token: number; endsAt: number }> = [];
    const run = (ms: number, latency: number, check: boolean) => {
      for (let t = 0; t < ms; t++) {
        time.advance(1);
        while (inFlight.length && inFlight[0].endsAt <= time.now())
          detector.ended(inFlight.shift()!.token, true);
        inFlight.push({ token: detector.started(), endsAt: time.now() + latency });
        if (check) expect(detector.suspect()).toBe(false);
      }
    };
    run(500, 20, false);
    // 3.5x slower at once: the usual latency catches up while the older sends' answers keep
    // arriving.
    run(2000, 70, true);
  });

  it('is not fooled by one slow send among many quick ones', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    warm(detector, time, 20);
    detector.started(); // never answers
    for (let i = 0; i < 20; i++) {
      warm(detector, time, 20, 1);
      expect(detector.suspect()).toBe(false);
    }
  });

  it('clears once a send started after the slow one succeeds, and suspects again if it flaps', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    warm(detector, time, 20);
    const hung = detector.started();
    time.advance(100);
    expect(detector.suspect()).toBe(true);
    // The provider recovers: a probe goes through quickly.
    warm(detector, time, 20, 1);
    expect(detector.suspect()).toBe(false);
    detector.ended(hung, false);
    // And hangs again.
    detector.started();
    time.advance(100);
    expect(detector.suspect()).toBe(true);
  });

  it('waits COLD_SLOW_MS before its first success, and never longer than the timeout', () => {
    const time = clock();
    const cold = new StuckDetector(POLICY, time.now);
    expect(cold.slowAfterMs).toBe(COLD_SLOW_MS);
    cold.started();
    time.advance(COLD_SLOW_MS - 1);
    expect(cold.suspect()).toBe(false);
    time.advance(1);
    expect(cold.suspect()).toBe(true);

    const slowProvider = new StuckDetector(POLICY, time.now);
    warm(slowProvider, time, 1500);
    expect(slowProvider.slowAfterMs).toBe(POLICY.slowCallMaxMs);
  });

  it('learns only from successes', () => {
    const time = clock();
    const detector = new StuckDetector(POLICY, time.now);
    warm(detector, time, 20);
    const failed = detector.started();
    time.advance(5000);
    detector.ended(failed, false);
    expect(detector.slowAfterMs).toBe(80);
    expect(detector.running).toBe(0);
  });
});
