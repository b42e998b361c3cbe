import { plainToInstance } from 'class-transformer';
import { simpleParser } from 'mailparser';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { SmtpOptions } from '../../src/providers/smtp/smtp.options';
import { ProviderError } from '../../src/domain/provider-error';
import { SmtpProvider } from '../../src/providers/smtp/smtp.provider';
import { sampleEmail } from '../contracts/sample-email';
import { SmtpFake } from '../fakes/smtp.fake';

const USER = 'medium-user';
const PASS = 'medium-pass-1e7c0b9d';
const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A bare SMTP client: one line out, one (possibly multi-line) reply back, as bytes on the wire. */
class Wire {
  private buffer = '';
  private waiting?: () => void;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.waiting?.());
  }

  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  /** The next whole reply (up to the line whose 4th character is a space), or a non-SMTP line. */
  async reply(): Promise<string> {
    for (;;) {
      const lines = this.buffer.split('\r\n');
      const end = lines.slice(0, -1).findIndex((l) => !/^\d{3}-/.test(l));
      if (end >= 0) {
        const reply = lines.slice(0, end + 1).join('\r\n');
        this.buffer = lines.slice(end + 1).join('\r\n');
        return reply;
      }
      if (this.socket.destroyed) return '';
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  send(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Greeting, EHLO and AUTH PLAIN as the known user. */
  async login(): Promise<void> {
    expect(await this.reply()).toMatch(/^220 /);
    expect(await this.send('EHLO client.test')).toMatch(/^250 /m);
    expect(await this.send(`AUTH PLAIN ${plain(USER, PASS)}`)).toMatch(/^235 /);
  }

  end(): void {
    this.socket.destroy();
  }
}

describe('smtp fake (medium)', () => {
  const fake = new SmtpFake({ user: USER, pass: PASS });
  let port: number;
  const wires: Wire[] = [];
  const open = async () => {
    const wire = await Wire.open(port);
    wires.push(wire);
    return wire;
  };

  beforeAll(async () => {
    port = await fake.start();
  });
  afterAll(() => fake.stop());
  afterEach(async () => {
    for (const w of wires.splice(0)) w.end();
    fake.heal();
    await fake.ready();
    fake.rejectRecipients.clear();
  });

  it('greets, offers AUTH PLAIN LOGIN without STARTTLS, and refuses mail before auth or with a wrong password', async () => {
    const wire = await open();
    expect(await wire.reply()).toBe('220 smtp.fake.test ESMTP Mailover fake');
    const ehlo = await wire.send('EHLO client.test');
    expect(ehlo).toMatch(/^250-smtp\.fake\.test/);
    expect(ehlo).toMatch(/^250[- ]AUTH PLAIN LOGIN$/m);
    expect(ehlo).not.toMatch(/STARTTLS/);
    expect(await wire.send('MAIL FROM:<a@acme.test>')).toMatch(/^530 /);
    expect(await wire.send(`AUTH PLAIN ${plain(USER, 'wrong')}`)).toBe(
      '535 5.7.8 Error: authentication failed: Invalid user or password',
    );
    expect(await wire.send('AUTH LOGIN')).toBe(`334 ${b64('Username:')}`);
    expect(await wire.send(b64(USER))).toBe(`334 ${b64('Password:')}`);
    expect(await wire.send(b64(PASS))).toMatch(/^235 /);
  });

  it('records the envelope and the raw DATA, and answers 250 OK: queued as <id>', async () => {
    const wire = await open();
    await wire.login();
    expect(await wire.send('MAIL FROM:<support@acme.test>')).toMatch(/^250 /);
    expect(await wire.send('RCPT TO:<ann@example.com>')).toMatch(/^250 /);
    expect(await wire.send('RCPT TO:<dave@example.com>')).toMatch(/^250 /);
    expect(await wire.send('DATA')).toMatch(/^354 /);
    const answer = await wire.send(
      'From: support@acme.test\r\nTo: ann@example.com\r\nSubject: Hi\r\nMessage-ID: <m1@acme.test>\r\n\r\nHello\r\n..dot-stuffed line\r\n.',
    );
    const [, queueId] = /^250 OK: queued as ([0-9A-F]{10})$/.exec(answer) ?? [];
    expect(queueId).toBeDefined();
    expect(fake.lastQueueId).toBe(queueId);
    const tx = fake.lastTransaction;
    expect(tx).toMatchObject({
      username: USER,
      authMethod: 'PLAIN',
      mailFrom: 'support@acme.test',
      rcptTo: ['ann@example.com', 'dave@example.com'],
      queueId,
    });
    const parsed = await simpleParser(tx.raw);
    expect(parsed.subject).toBe('Hi');
    expect(parsed.messageId).toBe('<m1@acme.test>');
    expect(parsed.text?.trim()).toBe('Hello\n.dot-stuffed line'); // dot-stuffing removed
  });

  it('refuses chosen recipients with 550 5.1.1 and takes the others', async () => {
    fake.rejectRecipients.add('nobody@example.com');
    const wire = await open();
    await wire.login();
    await wire.send('MAIL FROM:<support@acme.test>');
    expect(await wire.send('RCPT TO:<nobody@example.com>')).toBe(
      '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    );
    expect(await wire.send('RCPT TO:<ann@example.com>')).toMatch(/^250 /);
  });

  it('plays each injected fault in SMTP terms', async () => {
    fake.inject({ kind: 'garbage' }, 1);
    const pop3 = await open();
    expect(await pop3.reply()).toMatch(/^\+OK POP3 server ready/);

    fake.inject({ kind: 'auth' }, 1);
    const auth = await open();
    expect(await auth.reply()).toMatch(/^220 /);
    await auth.send('EHLO client.test');
    expect(await auth.send(`AUTH PLAIN ${plain(USER, PASS)}`)).toMatch(/^535 5\.7\.8 /);

    fake.inject({ kind: 'rate-limit' }, 1);
    const limited = await open();
    await limited.login();
    expect(await limited.send('MAIL FROM:<support@acme.test>')).toBe(
      '421 4.7.0 Too many messages from this account, try again later',
    );
    await limited.closed; // 421 closes the channel

    fake.inject({ kind: 'reject-recipient' }, 1);
    const rejecting = await open();
    await rejecting.login();
    await rejecting.send('MAIL FROM:<support@acme.test>');
    expect(await rejecting.send('RCPT TO:<ann@example.com>')).toMatch(/^550 5\.1\.1 /);
    expect(await rejecting.send('RCPT TO:<bob@example.com>')).toMatch(/^550 5\.1\.1 /);

    fake.inject({ kind: 'server-error' }, 1);
    const failing = await open();
    await failing.login();
    await failing.send('MAIL FROM:<support@acme.test>');
    await failing.send('RCPT TO:<ann@example.com>');
    await failing.send('DATA');
    expect(await failing.send('Subject: x\r\n\r\nbody\r\n.')).toBe(
      '451 4.3.0 Error: queue file write error, try again later',
    );
    expect(fake.lastTransaction.queueId).toBeUndefined();
  });

  it('reset drops the connection after the final dot; hang never answers it', async () => {
    const before = fake.receivedCount;
    fake.inject({ kind: 'reset' }, 1);
    const reset = await open();
    await reset.login();
    await reset.send('MAIL FROM:<support@acme.test>');
    await reset.send('RCPT TO:<ann@example.com>');
    await reset.send('DATA');
    expect(await reset.send('Subject: x\r\n\r\nbody\r\n.')).toBe(''); // closed, no reply
    await reset.closed;

    fake.inject({ kind: 'hang' }, 1);
    const hang = await open();
    await hang.login();
    await hang.send('MAIL FROM:<support@acme.test>');
    await hang.send('RCPT TO:<ann@example.com>');
    await hang.send('DATA');
    const answered = await Promise.race([
      hang.send('Subject: x\r\n\r\nbody\r\n.'),
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 150)),
    ]);
    expect(answered).toBe('no answer');
    expect(fake.receivedCount).toBe(before); // neither transaction was answered 250
    expect(fake.transactions.slice(-2).map((t) => t.raw.toString())).toEqual([
      'Subject: x\r\n\r\nbody\r\n',
      'Subject: x\r\n\r\nbody\r\n',
    ]);
  });

  it('down refuses connections until healed', async () => {
    fake.inject({ kind: 'down' });
    await expect(Wire.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    fake.heal();
    await fake.ready();
    const wire = await open();
    expect(await wire.reply()).toMatch(/^220 /);
  });
});

describe('smtp adapter against the fake (medium)', () => {
  const fake = new SmtpFake({ user: USER, pass: PASS });
  let provider: SmtpProvider;

  beforeAll(async () => {
    const port = await fake.start();
    provider = new SmtpProvider(
      plainToInstance(SmtpOptions, {
        id: 'smtp-medium',
        type: 'smtp',
        requireTls: false, // the fake relay offers no STARTTLS
        host: fake.host,
        port,
        user: USER,
        pass: PASS,
        timeoutMs: 1000,
      }),
    );
  });
  afterAll(async () => {
    await provider.close();
    await fake.stop();
  });
  afterEach(() => {
    fake.heal();
    fake.rejectRecipients.clear();
    fake.acceptText = (id) => `OK: queued as ${id}`;
    fake.rateLimitReply = {
      code: 421,
      text: '4.7.0 Too many messages from this account, try again later',
    };
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the send succeeded');
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(ProviderError);
        return e as ProviderError;
      },
    );

  // The contract suite skips rate-limit for SMTP (it asserts a Retry-After): it is checked here.
  it('reads a rate-limit reply as retryable, with retryAfterMs only when the reply states a wait', async () => {
    fake.inject({ kind: 'rate-limit' }, 1);
    const unstated = await failure(provider.send(sampleEmail()));
    expect(unstated).toMatchObject({ kind: 'retryable', details: { status: 421, code: '4.7.0' } });
    expect(unstated.details.retryAfterMs).toBeUndefined();

    fake.rateLimitReply = { code: 450, text: '4.7.1 Too many messages. Try again in 92 seconds.' };
    fake.inject({ kind: 'rate-limit' }, 1);
    const stated = await failure(provider.send(sampleEmail()));
    expect(stated).toMatchObject({
      kind: 'retryable',
      details: { status: 450, retryAfterMs: 92_000 },
    });
  });

  it('takes a partly refused envelope as sent, and returns the queue id', async () => {
    fake.rejectRecipients.add('bob@example.com');
    const receipt = await provider.send(sampleEmail());
    expect(receipt.messageId).toBe(fake.lastQueueId);
    expect(fake.lastTransaction.rcptTo.sort()).toEqual([
      'ann@example.com',
      'carol@example.com',
      'dave@example.com',
    ]);
  });

  it('falls back to the Message-ID header when the final 250 names no queue id', async () => {
    fake.acceptText = () => 'Ok';
    const receipt = await provider.send(sampleEmail());
    const parsed = await simpleParser(fake.lastTransaction.raw);
    expect(receipt.messageId).toBe(parsed.messageId);
    expect(receipt.messageId).toMatch(/^<.+@acme\.test>$/);
  });

  it('fails fast, retryable, when the server closes before greeting (no endless re-queue)', async () => {
    const closer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    const closing = new SmtpProvider(
      plainToInstance(SmtpOptions, {
        id: 'smtp-closing',
        type: 'smtp',
        requireTls: false, // the fake relay offers no STARTTLS
        host: '127.0.0.1',
        port: (closer.address() as AddressInfo).port,
        user: USER,
        pass: PASS,
        timeoutMs: 1000,
      }),
    );
    try {
      const error = await failure(closing.send(sampleEmail()));
      expect(error.kind).toBe('retryable');
      expect(error.message).toMatch(/connection was closed|Unexpected socket close/);
    } finally {
      await closing.close();
      await new Promise<void>((resolve) => closer.close(() => resolve()));
    }
  });

  it('by default insists on STARTTLS: a relay without it gets no credentials and no mail', async () => {
    const strict = new SmtpProvider(
      plainToInstance(SmtpOptions, {
        id: 'smtp-strict',
        type: 'smtp',
        host: fake.host,
        port: fake.listeningPort,
        user: USER,
        pass: PASS,
        timeoutMs: 1000,
      }),
    );
    const count = fake.transactions.length;
    try {
      const error = await failure(strict.send(sampleEmail()));
      expect(error.kind).toBe('provider');
      expect(fake.transactions.length).toBe(count);
    } finally {
      await strict.close();
    }
  });

  it('an abort before sending is retryable; one in flight is ambiguous', async () => {
    const count = fake.transactions.length;
    const early = await failure(provider.send(sampleEmail(), { signal: AbortSignal.abort() }));
    expect(early).toMatchObject({ kind: 'retryable', details: { code: 'ABORTED' } });
    expect(fake.transactions.length).toBe(count);

    fake.inject({ kind: 'hang' }, 1);
    const controller = new AbortController();
    const sending = failure(provider.send(sampleEmail(), { signal: controller.signal }));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (fake.transactions.length > count) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    controller.abort();
    expect(await sending).toMatchObject({ kind: 'ambiguous', details: { code: 'ABORTED' } });
  });
});
