import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/principal';
import { InvalidInputError } from '../domain/errors';
import type { SendRequest } from '../domain/send-request';
import type { EmailService } from '../dispatch/email.service';
import { FINAL_STATUSES } from '../domain/email-record';
import { emailView, type AcceptedView, type EmailView } from './email.view';
import type { WaitSlots } from './wait-slots';

const MAX_WAIT_SECONDS = 30;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Answers a send request (new API and the original `POST /email` alike): stores it, then 202
 * with Location, or with `Prefer: wait=N` 200 once final within N seconds. With an
 * Idempotency-Key, a repeat answers the first answer with `Idempotent-Replayed: true`.
 */
export async function answerSubmission(
  emails: EmailService,
  waits: WaitSlots,
  request: SendRequest,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<AcceptedView | EmailView> {
  const principal = principalOf(req)!;
  const key = req.headers['idempotency-key'];
  let claim;
  if (key !== undefined) {
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
      throw new InvalidInputError([
        { field: 'Idempotency-Key', detail: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const raw =
      (req as { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(req.body ?? null));
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.url.split('?')[0]}\n`)
      .update(raw)
      .digest('hex');
    claim = { scope: principal.tenant, key, requestHash };
  }
  // The nonce the guard left to this write (@NonceWithWrite): recorded with the email, one commit.
  const accepted = await emails.accept(request, principal.tenant, claim, principal.nonce);
  const id = accepted.email.id;
  void reply.header('Location', `/v1/emails/${id}`);
  if (accepted.replayed) {
    void reply.header('Idempotent-Replayed', 'true').status(202);
    return { id, status: accepted.status };
  }
  const wait = preferWait(req.headers.prefer);
  // Past the key's bound of held requests, the preference is ignored (RFC 7240 allows it).
  const release = wait === undefined ? undefined : waits.take(principal.keyId);
  if (wait !== undefined && release) {
    try {
      void reply.header('Preference-Applied', `wait=${wait}`);
      const final = await emails.waitForFinal(id, wait);
      if (final && FINAL_STATUSES.has(final.status)) {
        const { attempts } = await emails.get(id, principal.tenant);
        void reply.status(200);
        return emailView(final, attempts);
      }
      void reply.status(202);
      return { id, status: final?.status ?? accepted.status };
    } finally {
      release();
    }
  }
  void reply.status(202);
  return { id, status: accepted.status };
}

/** RFC 7240 `Prefer: wait=N`, at most 30 seconds. */
function preferWait(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = text ? /(?:^|[,;\s])wait=(\d+)/i.exec(text) : null;
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : undefined;
}
