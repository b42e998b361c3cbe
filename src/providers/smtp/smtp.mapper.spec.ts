import {
  classifySmtpError,
  enhancedStatusCode,
  queuedId,
  retryAfterFromReply,
  type SmtpErrorFields,
} from './smtp.mapper';

/** A nodemailer error as `_formatError` builds it: the reply is appended to the message. */
const replyError = (
  code: string,
  command: string,
  response: string,
  text = 'failed',
): SmtpErrorFields => ({
  message: `${text}: ${response}`,
  code,
  command,
  response,
  responseCode: Number(response.slice(0, 3)),
});

describe('classifySmtpError by reply code', () => {
  it.each([
    ['EMESSAGE', 'DATA', '451 4.3.0 Error: queue file write error', 'retryable'],
    ['EENVELOPE', 'MAIL FROM', '421 4.7.0 Too many messages, try again later', 'retryable'],
    ['EENVELOPE', 'MAIL FROM', '452 4.3.1 Insufficient system storage', 'retryable'],
    ['EAUTH', 'AUTH PLAIN', '454 4.7.0 Temporary authentication failure', 'retryable'],
    ['EPROTOCOL', 'CONN', '421 4.3.2 Service not available', 'retryable'],
    ['ECONNECTION', 'EHLO', '421 4.7.0 Try again later, closing connection', 'retryable'],
    ['EAUTH', 'AUTH PLAIN', '535 5.7.8 Authentication credentials invalid', 'provider'],
    ['EAUTH', 'AUTH LOGIN', '534 5.7.9 Authentication mechanism is too weak', 'provider'],
    ['EAUTH', 'AUTH PLAIN', '538 5.7.11 Encryption required', 'provider'],
    ['EENVELOPE', 'MAIL FROM', '530 5.7.0 Authentication required', 'provider'],
    ['EPROTOCOL', 'CONN', '554 5.3.2 No SMTP service here', 'provider'],
    ['EPROTOCOL', 'HELO', '502 5.5.1 Command not implemented', 'provider'],
    ['EENVELOPE', 'MAIL FROM', '553 5.7.1 Sender address rejected: not owned by user', 'permanent'],
    [
      'EENVELOPE',
      'RCPT TO',
      '550 5.1.1 <bob@example.org>: Recipient address rejected',
      'permanent',
    ],
    ['EMESSAGE', 'DATA', '554 5.7.1 Message rejected: spam', 'permanent'],
    ['EMESSAGE', 'DATA', '552 5.3.4 Message size exceeds fixed limit', 'permanent'],
    ['EENVELOPE', 'DATA', '554 5.5.1 Error: no valid recipients', 'permanent'],
  ])('%s to %s "%s" is %s', (code, command, response, kind) => {
    const reading = classifySmtpError(replyError(code, command, response));
    expect(reading.kind).toBe(kind);
    expect(reading.status).toBe(Number(response.slice(0, 3)));
    expect(reading.code).toBe(response.split(' ')[1]);
    expect(reading.message).toContain(response);
  });

  it('reads every refused RCPT: transient if any refusal was', () => {
    const all550 = {
      ...replyError(
        'EENVELOPE',
        'RCPT TO',
        '550 5.1.1 no such user',
        "Can't send mail - all recipients were rejected",
      ),
      rejectedErrors: [{ responseCode: 550 }, { responseCode: 550 }],
    };
    expect(classifySmtpError(all550).kind).toBe('permanent');
    const mixed = { ...all550, rejectedErrors: [{ responseCode: 452 }, { responseCode: 550 }] };
    expect(classifySmtpError(mixed).kind).toBe('retryable');
  });

  it('keeps nodemailer code when the reply has no enhanced status code', () => {
    expect(
      classifySmtpError(replyError('EAUTH', 'AUTH PLAIN', '535 Authentication failed')).code,
    ).toBe('EAUTH');
  });

  it('sets retryAfterMs only when the reply states a wait', () => {
    const wait = (reply: string) =>
      classifySmtpError(replyError('EENVELOPE', 'MAIL FROM', reply)).retryAfterMs;
    expect(wait('421 4.7.0 try again later')).toBeUndefined();
    expect(wait('421 4.7.0 Too many messages. Try again in 92 seconds.')).toBe(92_000);
  });
});

describe('classifySmtpError without a reply', () => {
  it.each<[string, SmtpErrorFields, string]>([
    [
      'connection refused',
      {
        message: 'connect ECONNREFUSED 127.0.0.1:2525',
        code: 'ESOCKET',
        command: 'CONN',
        syscall: 'connect',
      },
      'retryable',
    ],
    [
      'unknown host',
      { message: 'getaddrinfo ENOTFOUND smtp.nowhere.test', code: 'EDNS', command: 'CONN' },
      'retryable',
    ],
    [
      'connect timeout',
      { message: 'Connection timeout', code: 'ETIMEDOUT', command: 'CONN' },
      'retryable',
    ],
    [
      'no greeting',
      { message: 'Greeting never received', code: 'ETIMEDOUT', command: 'CONN' },
      'retryable',
    ],
    [
      'not SMTP',
      { message: 'Invalid greeting. response=+OK POP3 ready', code: 'EPROTOCOL', command: 'CONN' },
      'retryable',
    ],
    [
      'closed before the greeting',
      { message: 'Reached maximum number of retries after connection was closed' },
      'retryable',
    ],
    ['socket inactivity', { message: 'Timeout', code: 'ETIMEDOUT', command: 'CONN' }, 'ambiguous'],
    [
      'dropped connection',
      { message: 'Connection closed unexpectedly', code: 'ECONNECTION', command: 'CONN' },
      'ambiguous',
    ],
    [
      'reset',
      { message: 'read ECONNRESET', code: 'ESOCKET', command: 'CONN', syscall: 'read' },
      'ambiguous',
    ],
    [
      'login impossible',
      { message: 'Missing credentials for "PLAIN"', code: 'EAUTH', command: 'API' },
      'provider',
    ],
    [
      'TLS failure',
      { message: 'self-signed certificate', code: 'ETLS', command: 'CONN' },
      'provider',
    ],
    [
      'too big',
      { message: 'Message size larger than allowed 1000', code: 'EMESSAGE', command: 'MAIL FROM' },
      'permanent',
    ],
    [
      'no recipients',
      { message: 'No recipients defined', code: 'EENVELOPE', command: 'API' },
      'permanent',
    ],
    ['something else', { message: 'what happened' }, 'ambiguous'],
  ])('%s is %s', (_what, error, kind) => {
    const reading = classifySmtpError(error);
    expect(reading).toMatchObject({ kind, message: error.message, code: error.code });
    expect(reading.status).toBeUndefined();
    expect(reading.retryAfterMs).toBeUndefined();
  });
});

describe('reply text readers', () => {
  it('reads the queue id of the final 250', () => {
    expect(queuedId('250 2.0.0 Ok: queued as 3F2A1B')).toBe('3F2A1B');
    expect(queuedId('250 OK: queued as <A1B2C3@fake>')).toBe('A1B2C3@fake');
    expect(queuedId('250 Ok: queued as: 4XyZ')).toBe('4XyZ');
    expect(queuedId('250 2.0.0 Ok')).toBeUndefined();
    expect(queuedId(undefined)).toBeUndefined();
  });

  it('reads an enhanced status code at the start of the reply', () => {
    expect(enhancedStatusCode('550 5.1.1 No such user')).toBe('5.1.1');
    expect(enhancedStatusCode('421-4.7.0 Try again later')).toBe('4.7.0');
    expect(enhancedStatusCode('550 No such user 5.1.1')).toBeUndefined();
  });

  it('reads a stated wait in seconds, minutes or hours, and nothing else', () => {
    expect(retryAfterFromReply('421 Rate limit exceeded, retry in 30s')).toBe(30_000);
    expect(retryAfterFromReply('451 4.7.1 Greylisted, try again in 5 minutes')).toBe(300_000);
    expect(retryAfterFromReply('454 Throttling failure: retry after 1 hour')).toBe(3_600_000);
    expect(retryAfterFromReply('421 4.7.0 Try again later, closing connection')).toBeUndefined();
    expect(
      retryAfterFromReply('454 Throttling failure: Daily message quota exceeded'),
    ).toBeUndefined();
    expect(retryAfterFromReply(undefined)).toBeUndefined();
  });
});
