import { Inject, Injectable } from '@nestjs/common';
import { DispatchConfig, LimitsConfig } from '../config/config.schema';
import {
  ConflictError,
  IdempotencyMismatchError,
  InvalidInputError,
  NotFoundError,
  ReplayedRequestError,
} from '../domain/errors';
import { newId } from '../domain/id';
import { MetricsService } from '../metrics/metrics.service';
import {
  horizonProblem,
  unknownProvidersProblem,
  type SendRequest,
  type SendRules,
} from '../domain/send-request';
import {
  EMAIL_STORE,
  FINAL_STATUSES,
  type AttemptRecord,
  type EmailFilter,
  type EmailRecord,
  type EmailStore,
  type IdempotencyClaim,
  type NonceClaim,
} from '../store/email.store';
import { OutboxSignals } from './outbox-signals';
import { ProviderRoster } from './provider-roster.service';

export interface Accepted {
  email: EmailRecord;
  /** The status the email had when it was first accepted (what the first answer said). */
  status: 'queued' | 'scheduled';
  replayed: boolean;
}

const WAIT_POLL_MS = 500;

/** Accepts, finds, lists and cancels emails. Accepting is storing: the worker sends. */
@Injectable()
export class EmailService {
  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly roster: ProviderRoster,
    private readonly signals: OutboxSignals,
    private readonly dispatch: DispatchConfig,
    readonly limits: LimitsConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** What a send request is validated against: the limits, the configured providers, the horizon. */
  rules(now = new Date()): SendRules {
    return {
      ...this.limits,
      providerIds: this.roster.ids(),
      maxScheduleHorizonMs: this.dispatch.maxScheduleHorizonMs,
      now,
    };
  }

  /** Stores the email durably (answers once committed), or replays an earlier answer for the same Idempotency-Key. */
  async accept(
    request: SendRequest,
    tenant: string,
    idempotency?: IdempotencyClaim,
    nonce?: NonceClaim,
    now = new Date(),
  ): Promise<Accepted> {
    // Requests from the API were checked for both already (in one answer with every other field).
    const unknown = unknownProvidersProblem(request.providers ?? [], this.roster.ids());
    if (unknown) throw new InvalidInputError([{ field: 'providers', detail: unknown }]);
    const sendAt = request.sendAt;
    if (sendAt && sendAt.getTime() - now.getTime() > this.dispatch.maxScheduleHorizonMs) {
      throw new InvalidInputError([
        { field: 'sendAt', detail: horizonProblem(this.dispatch.maxScheduleHorizonMs) },
      ]);
    }
    const scheduled = sendAt !== null && sendAt.getTime() > now.getTime();
    const status = scheduled ? 'scheduled' : 'queued';
    const id = newId(now.getTime());
    // Due now: store it already claimed by this process's outbox, which starts its round as soon
    // as the commit is done, instead of claiming it in another transaction.
    const reservation = scheduled ? undefined : this.signals.reserve();
    let result: Awaited<ReturnType<EmailStore['create']>>;
    try {
      result = await this.store.create(
        {
          id,
          tenant,
          message: { ...request.message, id },
          providers: request.providers,
          sendAt,
          dueAt: scheduled ? sendAt : now,
          status,
          createdAt: now,
          lease: reservation && { owner: reservation.owner, until: reservation.leaseUntil },
        },
        idempotency,
        nonce,
      );
    } catch (e) {
      reservation?.cancel();
      throw e;
    }
    if (result.kind !== 'created') reservation?.cancel();
    if (result.kind === 'nonce-taken')
      throw new ReplayedRequestError('the signed request was already used');
    if (result.kind === 'mismatch') {
      throw new IdempotencyMismatchError(
        'This Idempotency-Key was used with a different request in the last 24 hours.',
      );
    }
    if (result.kind === 'replayed')
      return { email: result.email, status: result.originalStatus, replayed: true };
    this.metrics.accepted.inc({ status });
    if (reservation) reservation.adopt(result.email);
    else if (!scheduled) this.signals.wake();
    return { email: result.email, status, replayed: false };
  }

  /**
   * `tenant` limits what is found to that tenant's emails (undefined: every tenant's, for admin
   * keys); another tenant's email answers exactly as one that does not exist.
   */
  async get(
    id: string,
    tenant: string | undefined,
  ): Promise<{ email: EmailRecord; attempts: AttemptRecord[] }> {
    const email = await this.store.get(id);
    if (!email || (tenant !== undefined && email.tenant !== tenant))
      throw new NotFoundError(`no email with id ${id}`);
    return { email, attempts: await this.store.attempts(id) };
  }

  list(filter: EmailFilter): Promise<EmailRecord[]> {
    return this.store.list(filter);
  }

  async cancel(id: string, tenant: string | undefined): Promise<EmailRecord> {
    const email = await this.store.cancel(id, new Date(), tenant);
    if (!email) throw new NotFoundError(`no email with id ${id}`);
    if (email.status !== 'cancelled')
      throw new ConflictError(
        `the email is ${email.status}; only queued or scheduled emails can be cancelled`,
      );
    return email;
  }

  /**
   * Resolves when the email reaches a final state (sent, failed, cancelled) or after `seconds`.
   * Listens to this process's outbox and also polls the store, since another replica (or, in an
   * API-only process, always another one) may send it.
   */
  async waitForFinal(id: string, seconds: number): Promise<EmailRecord | undefined> {
    const current = await this.store.get(id);
    if (!current || FINAL_STATUSES.has(current.status) || seconds <= 0) return current;
    await new Promise<void>((resolve) => {
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        off();
        clearTimeout(deadline);
        clearInterval(poll);
        resolve();
      };
      const off = this.signals.onFinal((emailId) => emailId === id && finish());
      const deadline = setTimeout(finish, seconds * 1000);
      const poll = setInterval(() => {
        void this.store.get(id).then(
          (e) => e && FINAL_STATUSES.has(e.status) && finish(),
          () => undefined,
        );
      }, WAIT_POLL_MS);
    });
    return this.store.get(id);
  }
}
