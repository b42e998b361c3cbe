import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DispatchConfig, ServerConfig } from '../config/config.schema';
import { MetricsService } from '../metrics/metrics.service';
import {
  EMAIL_STORE,
  type EmailRecord,
  type EmailStatus,
  type EmailStore,
  type RoundResult,
} from '../store/email.store';
import { retryDelayMs } from './backoff';
import { runRound } from './failover';
import { ProviderRoster } from './provider-roster.service';

/** Emitted as `final` with (id, status) when this process ends an email. */
export type FinalListener = (id: string, status: EmailStatus) => void;

const ROSTER_REFRESH_MS = 5000;
const CLAIM_GAP_MS = 10;
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/**
 * The outbox worker: claims due emails with a lease, runs one failover round for each (up to
 * `dispatch.concurrency` at once), and stores the outcome with its attempts. A process that dies
 * leaves its leases to expire, and another (or the restarted) worker takes the emails again.
 * On shutdown it stops claiming, lets in-flight rounds finish within the grace period and gives
 * the rest back.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger(OutboxWorker.name);
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private lastRefresh = 0;
  private lastPurge = 0;

  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly roster: ProviderRoster,
    private readonly config: DispatchConfig,
    private readonly server: ServerConfig,
    private readonly metrics: MetricsService,
  ) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New work may be due: poll now rather than at the next interval. */
  wake(): void {
    this.wakeUp?.();
  }

  onFinal(listener: FinalListener): () => void {
    this.events.on('final', listener);
    return () => this.events.off('final', listener);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.running = false;
    this.wake();
    await this.loop;
    const pending = [...this.inFlight.keys()];
    const grace = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), this.server.shutdownGraceMs).unref(),
    );
    const done = await Promise.race([
      Promise.allSettled(this.inFlight.values()).then(() => 'done' as const),
      grace,
    ]);
    if (done === 'timeout') {
      const left = [...this.inFlight.keys()];
      await this.store.release(left, this.owner, new Date());
      this.logger.warn(
        { released: left.length },
        'shutdown grace over: unfinished emails released',
      );
    }
    this.logger.log({ finished: pending.length - this.inFlight.size }, 'outbox worker stopped');
  }

  private async run(): Promise<void> {
    while (this.running) {
      let full = false;
      const started = Date.now();
      try {
        await this.housekeeping();
        const free = this.config.concurrency - this.inFlight.size;
        if (free > 0) {
          const limit = Math.min(free, this.config.claimBatch);
          const batch = await this.store.claimDue(
            this.owner,
            new Date(),
            this.config.leaseMs,
            limit,
          );
          full = batch.length === limit;
          for (const email of batch) this.start(email);
        }
      } catch (e) {
        this.logger.error({ err: { message: (e as Error).message } }, 'outbox poll failed');
      }
      // A full batch means more may be due: claim again at once if slots are free. Otherwise wait
      // for the poll interval or a wake-up (new email, freed slots), but never claim more often
      // than every CLAIM_GAP_MS: under load every accepted email wakes the worker, and one claim
      // transaction per email would cost more than the sends.
      if (full && this.inFlight.size < this.config.concurrency) continue;
      await this.sleep(this.config.pollIntervalMs);
      const since = Date.now() - started;
      if (this.running && since < CLAIM_GAP_MS)
        await new Promise((r) => setTimeout(r, CLAIM_GAP_MS - since));
    }
  }

  private start(email: EmailRecord): void {
    const task = this.process(email)
      .catch((e) =>
        this.logger.error(
          { emailId: email.id, err: { message: (e as Error).message } },
          'round failed',
        ),
      )
      .finally(() => {
        this.inFlight.delete(email.id);
        this.metrics.inFlight.set(this.inFlight.size);
        // Wake the loop when a worthwhile number of slots has freed up (or the worker ran dry).
        const free = this.config.concurrency - this.inFlight.size;
        if (
          free === Math.min(this.config.claimBatch, Math.ceil(this.config.concurrency / 4)) ||
          this.inFlight.size === 0
        )
          this.wake();
      });
    this.inFlight.set(email.id, task);
    this.metrics.inFlight.set(this.inFlight.size);
  }

  private async process(email: EmailRecord): Promise<void> {
    const outcome = await runRound(
      email.message,
      this.roster.route(email.providers),
      this.config.ambiguous,
    );
    const now = new Date();
    let result: RoundResult;
    if (outcome.result === 'sent') {
      result = {
        status: 'sent',
        providerId: outcome.providerId,
        providerMessageId: outcome.providerMessageId,
      };
    } else if (outcome.result === 'permanent') {
      result = { status: 'failed', error: outcome.error };
    } else {
      const dueAt = new Date(
        now.getTime() +
          retryDelayMs(
            email.rounds,
            this.config.backoffBaseMs,
            this.config.backoffMaxMs,
            outcome.retryAfterMs,
          ),
      );
      const deadline = (email.sendAt ?? email.createdAt).getTime() + this.config.maxAgeMs;
      result =
        dueAt.getTime() > deadline
          ? { status: 'failed', error: `gave up after ${email.rounds} rounds: ${outcome.error}` }
          : { status: 'rescheduled', dueAt, error: outcome.error };
    }
    const stored = await this.store.finishRound(
      email.id,
      this.owner,
      result,
      outcome.attempts,
      now,
    );
    if (!stored) {
      this.logger.warn({ emailId: email.id }, 'lease lost before the round was stored');
      return;
    }
    this.metrics.recordAttempts(outcome.attempts);
    this.metrics.finished.inc({ result: result.status });
    if (result.status !== 'rescheduled') this.events.emit('final', email.id, result.status);
    // Every round is in the store (GET /v1/emails/:id); the log carries the ones worth a look.
    const line = {
      emailId: email.id,
      status: result.status,
      provider: outcome.result === 'sent' ? outcome.providerId : undefined,
      attempts: outcome.attempts.length,
    };
    if (result.status === 'failed') this.logger.warn(line, 'email failed');
    else if (result.status === 'rescheduled' || outcome.attempts.length > 1)
      this.logger.log(line, 'round finished');
    else this.logger.debug?.(line, 'round finished');
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRefresh >= ROSTER_REFRESH_MS) {
      this.lastRefresh = now;
      await this.roster.refresh();
    }
    if (now - this.lastPurge >= 3600_000) {
      this.lastPurge = now;
      await this.store.purgeIdempotencyKeys(new Date(now - IDEMPOTENCY_TTL_MS));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
