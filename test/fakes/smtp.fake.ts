import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { Fault, FaultKind, ProviderFake } from './fake-http-server';

/** One MAIL FROM .. DATA transaction that reached the end of DATA. */
export interface SmtpTransaction {
  /** Who authenticated the session, and how (PLAIN or LOGIN). */
  username: string;
  authMethod: string;
  mailFrom: string;
  rcptTo: string[];
  /** The DATA bytes as received, dot-stuffing removed, up to the terminating `.CRLF`. */
  raw: Buffer;
  /** The id of the `250 OK: queued as <id>` answer; undefined when a fault answered instead. */
  queueId?: string;
}

interface SessionUser {
  username: string;
  method: string;
}

/** SMTP replies are `code text`; smtp-server sends `err.responseCode` and `err.message`. */
const reply = (responseCode: number, text: string) =>
  Object.assign(new Error(text), { responseCode });

/** Where each fault strikes in the session. `down` stops the listener at once. */
const STAGE: Record<Exclude<FaultKind, 'down'>, 'connect' | 'auth' | 'transaction'> = {
  garbage: 'connect',
  auth: 'auth',
  'rate-limit': 'transaction', // at MAIL FROM
  'reject-recipient': 'transaction', // at every RCPT TO
  hang: 'transaction', // after the final dot of DATA
  slow: 'transaction',
  'server-error': 'transaction',
  reset: 'transaction',
};

/**
 * A local SMTP submission server (docs/providers/smtp.md §7) built on the real `smtp-server`: plaintext, no
 * STARTTLS, AUTH PLAIN/LOGIN required with one known user and password. It records each
 * transaction (envelope and raw DATA) and answers `250 OK: queued as <id>`.
 *
 * Faults, in SMTP terms:
 * - down: the listener closes, so connecting is refused; healing listens on the same port;
 * - garbage: a POP3 greeting where SMTP's 220 was expected (the wrong port);
 * - auth: `535 5.7.8` to AUTH (the wrong password gets the same answer);
 * - rate-limit: `rateLimitReply` to MAIL FROM, by default `421 4.7.0 ... try again later`,
 *   which closes the connection; SMTP has no Retry-After;
 * - reject-recipient: `550 5.1.1` to every RCPT TO (`rejectRecipients` refuses chosen ones);
 * - hang: reads the whole DATA and never answers the final dot;
 * - reset: reads the whole DATA, then destroys the socket (the final-dot case);
 * - slow: answers the final dot after `delayMs`;
 * - server-error: `451 4.3.0` to the final dot.
 * A fault counts once per connection (garbage), per login (auth) or per transaction (the rest).
 */
export class SmtpFake implements ProviderFake {
  readonly transactions: SmtpTransaction[] = [];
  /** Recipients answered `550 5.1.1` at RCPT TO (lower-case), for partial acceptance. */
  readonly rejectRecipients = new Set<string>();
  /** The text of the final 250 (some providers name no queue id: then the Message-ID is the id). */
  acceptText = (queueId: string) => `OK: queued as ${queueId}`;
  /** What the rate-limit fault answers to MAIL FROM. */
  rateLimitReply = {
    code: 421,
    text: '4.7.0 Too many messages from this account, try again later',
  };
  private readonly smtp: SMTPServer;
  private listener?: Server;
  private starting?: Promise<void>;
  private port = 0;
  private readonly sockets = new Map<string, Socket>();
  /** The fault each session's current transaction met at MAIL FROM. */
  private readonly transactionFaults = new Map<string, Fault>();
  private fault?: Fault;
  private faultTimes = 0;
  private handled = 0;

  constructor(readonly credentials: { user: string; pass: string }) {
    this.smtp = new SMTPServer({
      name: 'smtp.fake.test',
      banner: 'Mailover fake',
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      // The replies below carry their own enhanced codes, written out as providers send them.
      hideENHANCEDSTATUSCODES: true,
      size: 25 * 1024 * 1024,
      logger: false,
      onAuth: (auth, session, callback) => this.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => this.onMailFrom(address, session, callback),
      onRcptTo: (address, session, callback) => this.onRcptTo(address, session, callback),
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    this.smtp.on('error', () => undefined); // client resets are part of the script
  }

  get host(): string {
    return '127.0.0.1';
  }

  get listeningPort(): number {
    return this.port;
  }

  get receivedCount(): number {
    return this.handled;
  }

  get lastTransaction(): SmtpTransaction {
    const last = this.transactions[this.transactions.length - 1];
    if (!last) throw new Error('the fake has received no transaction');
    return last;
  }

  /** The queue id of the last `250 ... queued as` answer. */
  get lastQueueId(): string {
    return [...this.transactions].reverse().find((t) => t.queueId)?.queueId ?? '';
  }

  async start(port = 0): Promise<number> {
    const listener = createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => resolve());
    });
    this.listener = listener;
    this.port = (listener.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  inject(fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.fault = fault;
    this.faultTimes = times;
    if (fault.kind === 'down') void this.stop();
  }

  heal(): void {
    const wasDown = this.fault?.kind === 'down';
    this.fault = undefined;
    if (wasDown && !this.listener) void this.ready();
  }

  /** Resolves once the fake listens again after a `down` fault was healed. */
  async ready(): Promise<void> {
    if (this.listener) return;
    this.starting ??= this.start(this.port).then(
      () => undefined,
      (e: unknown) => {
        this.starting = undefined;
        throw e;
      },
    );
    await this.starting;
    this.starting = undefined;
  }

  private takeFault(stage: 'connect' | 'auth' | 'transaction'): Fault | undefined {
    const fault = this.fault;
    if (!fault || fault.kind === 'down' || STAGE[fault.kind] !== stage || this.faultTimes <= 0)
      return undefined;
    this.faultTimes -= 1;
    if (this.faultTimes <= 0) this.heal();
    return fault;
  }

  private onConnection(socket: Socket): void {
    const id = randomBytes(8).toString('hex');
    this.sockets.set(id, socket);
    socket.on('close', () => this.sockets.delete(id));
    socket.on('error', () => undefined);
    if (this.takeFault('connect')) {
      socket.write('+OK POP3 server ready <1896.697170952@fake.test>\r\n'); // not SMTP: the wrong port
      return;
    }
    // smtp-server's own entry point for a socket; the session id is ours, to find the socket again.
    (this.smtp as unknown as { connect(socket: Socket, options: { id: string }): void }).connect(
      socket,
      { id },
    );
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const fault = this.takeFault('auth');
    const ok = auth.username === this.credentials.user && auth.password === this.credentials.pass;
    if (fault || !ok)
      return callback(reply(535, '5.7.8 Error: authentication failed: Invalid user or password'));
    const user: SessionUser = { username: auth.username ?? '', method: auth.method };
    callback(null, { user });
  }

  private onMailFrom(
    _address: SMTPServerAddress,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const fault = this.takeFault('transaction');
    if (fault?.kind === 'rate-limit') {
      return callback(reply(this.rateLimitReply.code, this.rateLimitReply.text));
    }
    if (fault) this.transactionFaults.set(session.id, fault);
    else this.transactionFaults.delete(session.id);
    callback();
  }

  private onRcptTo(
    address: SMTPServerAddress,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const refused =
      this.transactionFaults.get(session.id)?.kind === 'reject-recipient' ||
      this.rejectRecipients.has(address.address.toLowerCase());
    if (refused) {
      return callback(
        reply(
          550,
          `5.1.1 <${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`,
        ),
      );
    }
    callback();
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const fault = this.transactionFaults.get(session.id);
      this.transactionFaults.delete(session.id);
      const user = session.user as unknown as SessionUser;
      const transaction: SmtpTransaction = {
        username: user.username,
        authMethod: user.method,
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks),
      };
      this.transactions.push(transaction);

      const accept = () => {
        transaction.queueId = randomBytes(5).toString('hex').toUpperCase();
        this.handled += 1;
        callback(null, this.acceptText(transaction.queueId));
      };
      switch (fault?.kind) {
        case 'hang':
          return; // never answers; stop() destroys the socket
        case 'reset':
          this.sockets.get(session.id)?.destroy();
          return;
        case 'server-error':
          return callback(reply(451, '4.3.0 Error: queue file write error, try again later'));
        case 'slow':
          setTimeout(accept, fault.delayMs ?? 200);
          return;
        default:
          accept();
      }
    });
  }
}
