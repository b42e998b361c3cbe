import { describeMinutes, percent } from './chart-text';

describe('the words of the console charts', () => {
  it('writes rates as the warning lines are usually written', () => {
    expect([0.05, 0.001, 0.5, 0.0123, 0, 1, 0.1234].map(percent)).toEqual([
      '5 %',
      '0.1 %',
      '50 %',
      '1.2 %',
      '0 %',
      '100 %',
      '12 %',
    ]);
  });

  it('sums each series and names its busiest minute', () => {
    const utc = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const text = describeMinutes(
      {
        title: 'primary',
        from: '2030-01-01T12:00:00.000Z',
        up: { label: 'sent', values: [0, 2, 5, 1], kind: 'bar-sent' },
        down: { label: 'failed', values: [0, 0, 0, 0], kind: 'bar-failed' },
      },
      utc,
    );
    expect(text).toBe(
      'Last 4 minutes, from 12:00: 8 sent (at most 5 a minute, at 12:02); no failed.',
    );
  });
});
