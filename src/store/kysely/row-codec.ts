// Rows to records and back: the one place that knows how a record is laid out in columns.
import type { Insertable, Selectable } from 'kysely';
import type { Attachment, OutboundEmail } from '../../domain/email';
import type { AttemptRecord, EmailRecord } from '../../domain/email-record';
import type { NewEmail } from '../email.store';
import type { AttemptsTable, EmailsTable } from '../store.tables';

type StoredAttachment = Omit<Attachment, 'content'> & { content: string };

export function encodeMessage(message: OutboundEmail): string {
  const attachments: StoredAttachment[] = message.attachments.map((a) => ({
    ...a,
    content: a.content.toString('base64'),
  }));
  return JSON.stringify({ ...message, attachments });
}

export function decodeMessage(json: string): OutboundEmail {
  const stored = JSON.parse(json) as Omit<OutboundEmail, 'attachments'> & {
    attachments: StoredAttachment[];
  };
  return {
    ...stored,
    attachments: stored.attachments.map((a) => ({
      ...a,
      content: Buffer.from(a.content, 'base64'),
    })),
  };
}

/** The row of a new email (stored already leased when it comes with a lease). */
export function emailRow(e: NewEmail): Insertable<EmailsTable> {
  return {
    id: e.id,
    tenant: e.tenant,
    status: e.lease ? 'sending' : e.status,
    message: encodeMessage(e.message),
    providers: e.providers === null ? null : JSON.stringify(e.providers),
    send_at: e.sendAt?.getTime() ?? null,
    due_at: e.dueAt.getTime(),
    created_at: e.createdAt.getTime(),
    updated_at: e.createdAt.getTime(),
    rounds: e.lease ? 1 : 0,
    provider_id: null,
    provider_message_id: null,
    last_error: null,
    lease_owner: e.lease?.owner ?? null,
    lease_until: e.lease?.until.getTime() ?? null,
  };
}

/** The record of a new email as `emailRow` stores it, without reading it back. */
export function newRecord(e: NewEmail): EmailRecord {
  return {
    id: e.id,
    tenant: e.tenant,
    status: e.lease ? 'sending' : e.status,
    message: e.message,
    providers: e.providers,
    sendAt: e.sendAt,
    dueAt: e.dueAt,
    createdAt: e.createdAt,
    updatedAt: e.createdAt,
    rounds: e.lease ? 1 : 0,
    providerId: null,
    providerMessageId: null,
    lastError: null,
  };
}

export function toRecord(row: Selectable<EmailsTable>): EmailRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    message: decodeMessage(row.message),
    providers: row.providers === null ? null : (JSON.parse(row.providers) as string[]),
    sendAt: row.send_at === null ? null : new Date(row.send_at),
    dueAt: new Date(row.due_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    rounds: row.rounds,
    providerId: row.provider_id,
    providerMessageId: row.provider_message_id,
    lastError: row.last_error,
  };
}

/** The row of one attempt: the `seq`-th call of round `round` of email `emailId`. */
export function attemptRow(
  emailId: string,
  round: number,
  seq: number,
  a: AttemptRecord,
): Insertable<AttemptsTable> {
  return {
    email_id: emailId,
    round,
    seq,
    provider_id: a.providerId,
    outcome: a.outcome,
    provider_status: a.providerStatus,
    error_code: a.errorCode,
    error: a.error,
    duration_ms: Math.round(a.durationMs),
    at: a.at.getTime(),
  };
}

export function toAttempt(r: Selectable<AttemptsTable>): AttemptRecord {
  return {
    emailId: r.email_id,
    providerId: r.provider_id,
    outcome: r.outcome,
    providerStatus: r.provider_status,
    errorCode: r.error_code,
    error: r.error,
    durationMs: r.duration_ms,
    at: new Date(r.at),
  };
}
