import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { OutboundEmail } from '../../domain/email';
import type {
  EmailProvider,
  ProviderCapabilities,
  SendContext,
  SendReceipt,
} from '../../domain/provider';
import { ProviderError, type FailureKind } from '../../domain/provider-error';
import { redactSecrets, type Secret } from '../../domain/secret';
import { toMailOptions } from '../mime';
import type { SmtpOptions } from './smtp.options';
import { classifySmtpError, queuedId, type SmtpErrorFields } from './smtp.mapper';

export const SMTP_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // SMTP has none (Resend's header aside)
  maxRecipients: 50, // per provider; 50 is SES's, the lowest of the common ones (docs/providers/smtp.md §6)
  inlineImages: true, // multipart/related with Content-ID
  tags: false, // X-Mailover-Tags is only a header, no provider reads it as tags
  metadata: false, // X-Mailover-Metadata likewise: it does not come back in webhooks
};

/**
 * SMTP submission through a pool of nodemailer connections (docs/providers/smtp.md). The message id is the
 * provider's queue id from the final `250 ... queued as <id>`, or else the Message-ID header
 * nodemailer wrote (the provider keeps it unless it rewrites it, as SES does).
 */
export class SmtpProvider implements EmailProvider {
  readonly type = 'smtp';
  readonly capabilities = SMTP_CAPABILITIES;
  readonly id: string;
  // Private: the transport holds the password in its options, and nothing may print it.
  readonly #transport: Transporter<SMTPPool.SentMessageInfo>;
  readonly #secrets: Array<Secret | undefined>;

  constructor(config: SmtpOptions) {
    this.id = config.id;
    this.#secrets = [config.pass];
    const secure = config.secure ?? false;
    const options: SMTPPool.Options = {
      pool: true,
      maxConnections: config.pool ?? 5,
      host: config.host,
      port: config.port ?? (secure ? 465 : 587),
      secure,
      // STARTTLS is required unless turned off: a server that does not offer it gets no AUTH.
      requireTLS: !secure && (config.requireTls ?? true),
      auth:
        config.user || config.pass
          ? { user: config.user ?? '', pass: config.pass?.reveal() ?? '' }
          : undefined,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized ?? true },
      logger: false,
      debug: false,
    };
    // The pool re-queues a message whose connection closed before the greeting, without limit
    // by default; retries belong to the outbox, so it fails and the caller decides.
    // (`maxRequeues` is read by nodemailer's lib/smtp-pool but missing from @types/nodemailer.)
    this.#transport = nodemailer.createTransport(Object.assign(options, { maxRequeues: 0 }));
  }

  async send(email: OutboundEmail, ctx: SendContext = {}): Promise<SendReceipt> {
    if (ctx.signal?.aborted) throw this.error('retryable', 'aborted before sending', 'ABORTED');
    const sending = this.#transport.sendMail({
      ...toMailOptions(email),
      // Attachments are bytes: never let a path or URL make nodemailer read a file or fetch.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    let info: SMTPPool.SentMessageInfo;
    try {
      info = await abortable(sending, ctx.signal);
    } catch (e) {
      if (e instanceof AbortedSend) {
        throw this.error(
          'ambiguous',
          'aborted while sending: the server may still take the message',
          'ABORTED',
        );
      }
      const reading = classifySmtpError(fields(e));
      throw this.error(
        reading.kind,
        reading.message,
        reading.code,
        reading.status,
        reading.retryAfterMs,
      );
    }
    const messageId = queuedId(info.response) ?? info.messageId;
    if (!messageId)
      throw this.error('ambiguous', `accepted without a readable id: ${info.response}`);
    return { messageId };
  }

  /** Closes the pooled connections (QUIT); a message still in flight finishes first. */
  async close(): Promise<void> {
    this.#transport.close();
  }

  toString(): string {
    return `${this.type}:${this.id}`;
  }

  private error(
    kind: FailureKind,
    message: string,
    code?: string,
    status?: number,
    retryAfterMs?: number,
  ): ProviderError {
    const text = redactSecrets(message.slice(0, 2000), this.#secrets);
    return new ProviderError(this.id, kind, text, { status, code, retryAfterMs });
  }
}

/**
 * Nodemailer cannot cancel one message of the pool. On abort the caller stops waiting; the
 * transaction runs on (bounded by the socket timeout), so the outcome is ambiguous.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedSend());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class AbortedSend extends Error {
  override readonly name = 'AbortedSend';
}

function fields(e: unknown): SmtpErrorFields {
  const err = (e ?? {}) as Partial<SmtpErrorFields> & { message?: unknown };
  return {
    message: typeof err.message === 'string' ? err.message : String(e),
    code: typeof err.code === 'string' ? err.code : undefined,
    responseCode: typeof err.responseCode === 'number' ? err.responseCode : undefined,
    response: typeof err.response === 'string' ? err.response : undefined,
    command: typeof err.command === 'string' ? err.command : undefined,
    syscall: typeof err.syscall === 'string' ? err.syscall : undefined,
    rejectedErrors: Array.isArray(err.rejectedErrors) ? err.rejectedErrors : undefined,
  };
}
