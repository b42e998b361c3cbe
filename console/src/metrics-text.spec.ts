import { samples } from './metrics-text';

describe('samples (the overview reads /metrics)', () => {
  const text = [
    '# HELP mailover_queue_emails Emails in the outbox by status',
    '# TYPE mailover_queue_emails gauge',
    'mailover_queue_emails{status="queued"} 3',
    'mailover_queue_emails{status="scheduled"} 12',
    'mailover_queue_emails_other{status="queued"} 99',
    'mailover_queue_oldest_due_seconds 4.5',
    'mailover_provider_attempts_total{provider="a \\"b\\"",outcome="sent"} 7',
  ].join('\n');

  it('answers each sample of one metric with its labels, and no other metric', () => {
    expect(samples(text, 'mailover_queue_emails')).toEqual([
      { labels: { status: 'queued' }, value: 3 },
      { labels: { status: 'scheduled' }, value: 12 },
    ]);
    expect(samples(text, 'mailover_queue_oldest_due_seconds')).toEqual([
      { labels: {}, value: 4.5 },
    ]);
    expect(samples(text, 'mailover_provider_attempts_total')).toEqual([
      { labels: { provider: 'a \\"b\\"', outcome: 'sent' }, value: 7 },
    ]);
    expect(samples('', 'mailover_queue_emails')).toEqual([]);
  });
});
