import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';

/**
 * The fields of a nodemailer SMTP error this mapper reads (nodemailer
 * `lib/smtp-connection/index.js` `_formatError`): `code` is nodemailer's own (EAUTH,
 * ECONNECTION, ...), `responseCode`/`response` the server's reply, `command` the SMTP command
 * (or CONN/API) it answered. Connect errors keep Node's `syscall`.
 */
export interface SmtpErrorFields {
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  syscall?: string;
  /** Per-recipient errors when every RCPT TO was refused. */
  rejectedErrors?: Array<{ responseCode?: number }>;
}

export interface SmtpFailureReading extends FailureReading {
  /** The SMTP reply code, when the server answered. */
  status?: number;
}

/** RFC 4954 §6 and RFC 5321: auth required (530), too weak (534), bad credentials (535), encryption required (538). */
const AUTH_FAILURES = new Set([530, 534, 535, 538]);
/** A 5xx to one of these refuses this message (sender, recipient, content); elsewhere it refuses us. */
const TRANSACTION_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * Classifies a failed SMTP send (docs/providers/smtp.md §4, §5; RFC 5321 §4.2.1,
 * https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1; RFC 4954 §6 for AUTH).
 * - A reply code decides first: 4xx is transient; 530/534/535/538 are this provider's
 *   credentials; any other 5xx to MAIL FROM, RCPT TO or DATA refuses the message (permanent),
 *   and a 5xx to the greeting, EHLO or AUTH refuses the provider.
 * - Without a reply: nothing was sent when the TCP connection never opened (refused, DNS,
 *   connect timeout), when the greeting never came or was not SMTP, or when the pool's
 *   connection closed before the greeting; all retryable. A socket timeout or a dropped
 *   connection after that may fall after the final dot of DATA, when the server may already
 *   have queued the message (RFC 1047): ambiguous.
 */
export function classifySmtpError(e: SmtpErrorFields): SmtpFailureReading {
  const status =
    e.responseCode && e.responseCode >= 200 && e.responseCode < 600 ? e.responseCode : undefined;
  const reading: SmtpFailureReading = {
    kind: status ? kindOfReply(status, e) : kindOfClientError(e),
    message: e.message || 'SMTP send failed',
    code: enhancedStatusCode(e.response) ?? e.code,
    status,
  };
  const retryAfterMs = status ? retryAfterFromReply(e.response) : undefined;
  if (retryAfterMs) reading.retryAfterMs = retryAfterMs;
  return reading;
}

function kindOfReply(status: number, e: SmtpErrorFields): FailureKind {
  if (AUTH_FAILURES.has(status)) return 'provider';
  // Every RCPT TO refused: transient if any refusal was (452 too many recipients, 450 busy).
  if (e.command === 'RCPT TO' && e.rejectedErrors?.length) {
    return e.rejectedErrors.some((r) => r.responseCode && r.responseCode < 500)
      ? 'retryable'
      : 'permanent';
  }
  if (status >= 400 && status < 500) return 'retryable';
  if (status >= 500)
    return e.command && TRANSACTION_COMMANDS.has(e.command) ? 'permanent' : 'provider';
  // A 2xx/3xx where another reply was due (a 250 greeting, say): the server is confused, nothing was taken.
  return e.code === 'EPROTOCOL' ? 'retryable' : 'ambiguous';
}

/** Node's errors for a connection that never opened. */
const NOT_CONNECTED =
  /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)\b/;

function kindOfClientError(e: SmtpErrorFields): FailureKind {
  switch (e.code) {
    case 'EAUTH': // no usable mechanism, missing credentials
    case 'ETLS': // the TLS upgrade failed: configuration (certificate, protocol)
    case 'EREQUIRETLS':
      return 'provider';
    case 'EENVELOPE': // refused locally: no recipients, an invalid address
    case 'EMESSAGE': // larger than the server's SIZE, empty
    case 'ESTREAM':
      return 'permanent';
    case 'EDNS':
    case 'EPROTOCOL': // a greeting or reply that is not SMTP, before anything was sent
      return 'retryable';
    case 'ETIMEDOUT':
      // 'Connection timeout': the TCP connect never completed; 'Greeting never received':
      // connected, but the server never spoke, so no command was sent. Else: socket inactivity.
      return /^(Connection timeout|Greeting never received)\b/.test(e.message)
        ? 'retryable'
        : 'ambiguous';
    case 'ECONNECTION':
    case 'ESOCKET':
      if (e.syscall === 'connect' || e.syscall === 'getaddrinfo' || NOT_CONNECTED.test(e.message)) {
        return 'retryable';
      }
      return 'ambiguous';
    default: // another code, or none: the message decides below
      break;
  }
  // nodemailer's pool: the connection closed before the greeting (the only close it does not
  // report as an error), or during connect and login.
  if (
    /^(Reached maximum number of retries after connection was closed|Unexpected socket close)/.test(
      e.message,
    )
  ) {
    return 'retryable';
  }
  return 'ambiguous';
}

/** `5.1.1` from `550 5.1.1 <bob@example.org>: Recipient address rejected` (RFC 3463). */
export function enhancedStatusCode(reply: string | undefined): string | undefined {
  return reply ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] : undefined;
}

/**
 * SMTP has no Retry-After. Some providers state a wait in the reply text
 * ("550 Too many messages. Try again in 92 seconds."); only then is there a retryAfterMs.
 */
export function retryAfterFromReply(reply: string | undefined): number | undefined {
  const match = reply
    ? /\b(?:try again|retry)(?: (?:in|after))? +(\d+) *(seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b/i.exec(
        reply,
      )
    : null;
  if (!match) return undefined;
  const unit = match[2].toLowerCase();
  const scale = unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1000;
  return Number(match[1]) * scale || undefined;
}

/**
 * The provider's queue id from the final reply to DATA: `250 2.0.0 Ok: queued as 3F2A1B`
 * (Postfix, SendGrid and others). Undefined when the reply carries none.
 */
export function queuedId(reply: string | undefined): string | undefined {
  return reply ? /\bqueued as:? +<?([^\s<>]+)>?/i.exec(reply)?.[1] : undefined;
}
