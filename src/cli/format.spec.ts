import { type Email, formatEmail, formatEmailList, formatProviders, table } from './format';

const email: Email = {
  id: '01JD3Q1ZK6W5V9X8Y7T6S5R4Q3',
  status: 'queued',
  from: 'ops@acme.test',
  to: ['ann@example.com'],
  cc: [],
  bcc: [],
  subject: 'Hello',
  tags: [],
  sendAt: null,
  createdAt: '2030-01-15T09:30:00.000Z',
  updatedAt: '2030-01-15T09:30:00.000Z',
  provider: null,
  providerMessageId: null,
  error: null,
  rounds: 0,
  attempts: [],
};

describe('the mailover command output', () => {
  it('aligns columns to the widest cell', () => {
    expect(table(['A', 'LONG HEADER', 'Z'], [['xxxx', 'y', 'last column']])).toBe(
      'A     LONG HEADER  Z\nxxxx  y            last column\n',
    );
  });

  it('prints no control characters that a provider or sender put in a field', () => {
    // A provider's error text is whatever its server answered: an escape sequence could clear
    // the screen or retitle the terminal.
    const hostile = 'boom \u001b[2J\u001b]0;owned\u0007 \u009b31m done';
    const text = formatEmail({
      ...email,
      error: hostile,
      attempts: [
        {
          provider: 'p',
          outcome: 'retryable',
          providerStatus: 500,
          error: hostile,
          durationMs: 3,
          at: email.createdAt,
        },
      ],
    });
    expect(text).toMatch(/\nerror: +boom  \[2J \]0;owned   31m done\n/);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const providers = formatProviders({
      items: [
        {
          id: 'p',
          type: 'mailgun',
          priority: 1,
          weight: 1,
          enabled: true,
          circuit: 'open',
          recentSuccessRate: 0.25,
          recentOutcomes: 8,
          lastError: { kind: 'retryable', message: hostile, at: email.createdAt },
        },
      ],
    });
    expect(providers).toContain('25% of 8');
    expect(providers).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('shortens long subjects in the list and says how to get the next page', () => {
    const text = formatEmailList({
      items: [{ ...email, subject: 'x'.repeat(100) }],
      nextCursor: 'abc',
    });
    expect(text).toContain(`${'x'.repeat(39)}…`);
    expect(text).not.toContain('x'.repeat(40));
    expect(text.endsWith('more: --cursor abc\n')).toBe(true);
    expect(formatEmailList({ items: [], nextCursor: null })).toBe('no emails\n');
  });
});
