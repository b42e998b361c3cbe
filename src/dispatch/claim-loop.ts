import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DispatchConfig, ServerConfig, StoreConfig } from '../config/config.schema';
import { MetricsService } from '../metrics/metrics.service';
import { EMAIL_STORE, type EmailRecord, type EmailStore } from '../store/email.store';
import { OutboxSignals, type Reservation } from './outbox-signals';
import { RoundRunner } from './round-runner';

const CLAIM_GAP_MS = 10;

/**
 * The outbox's claim loop: claims due emails with a lease and hands each to the round runner (up
 * to `dispatch.concurrency` at once). While rounds are in flight a heartbeat renews their leases
 * every third of `dispatch.leaseMs`, so a lease bounds how long a dead worker's emails wait and
 * never how long a round may take. A SQLite store belongs to this process alone: at start it takes
 * back what a dead predecessor had claimed. On shutdown it stops claiming, lets in-flight rounds
 * finish within the grace period and gives the rest back. Runs only in the `all` and `worker` roles.
 */
@Injectable()
export class ClaimLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('Outbox');
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Places held for emails being stored right now (see OutboxSignals.reserve). */
  private reserved = 0;
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private offWake?: () => void;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly runner: RoundRunner,
    private readonly signals: OutboxSignals,
    private readonly config: DispatchConfig,
    private readonly server: ServerConfig,
    private readonly storeConfig: StoreConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.server.role === 'api') return;
    if (this.storeConfig.driver === 'sqlite') {
      const recovered = await this.store.recoverLeases(new Date());
      if (recovered > 0) {
        this.metrics.leasesRecovered.inc(recovered);
        this.logger.warn({ recovered }, 'took back the emails a previous process had claimed');
      }
    }
    this.running = true;
    this.offWake = this.signals.onWake(() => this.wakeUp?.());
    this.signals.acceptFrom({ reserve: () => this.reserve() });
    this.heartbeat = setInterval(() => void this.renewLeases(), this.config.leaseMs / 3);
    this.heartbeat.unref();
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.signals.acceptFrom(undefined);
    this.offWake?.();
    this.wakeUp?.();
    await this.loop;
    const pending = this.inFlight.size;
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((r) => {
      graceTimer = setTimeout(() => r('timeout'), this.server.shutdownGraceMs).unref();
    });
    const done = await Promise.race([
      Promise.allSettled(this.inFlight.values()).then(() => 'done' as const),
      grace,
    ]);
    clearTimeout(graceTimer);
    clearInterval(this.heartbeat);
    if (done === 'timeout') {
      const left = [...this.inFlight.keys()];
      await this.store.release(left, this.owner, new Date());
      this.logger.warn(
        { released: left.length },
        'shutdown grace over: unfinished emails released',
      );
    }
    this.logger.log({ finished: pending - this.inFlight.size }, 'outbox worker stopped');
  }

  private async run(): Promise<void> {
    while (this.running) {
      let full = false;
      const started = Date.now();
      try {
        const free = this.config.concurrency - this.inFlight.size - this.reserved;
        if (free > 0) {
          const limit = Math.min(free, this.config.claimBatch);
          const batch = await this.store.claimDue(
            this.owner,
            new Date(),
            this.config.leaseMs,
            limit,
          );
          full = batch.length === limit;
          // Stopped while this claim was out: give its emails back at once rather than start
          // rounds the shutdown would have to wait for or release later.
          if (!this.running) await this.giveBack(batch);
          else for (const email of batch) this.start(email);
        }
      } catch (e) {
        this.logger.error({ err: { message: (e as Error).message } }, 'outbox poll failed');
      }
      // A full batch means more may be due: claim again at once if slots are free. Otherwise wait
      // for the poll interval or a wake-up (new email, freed slots), but never claim more often
      // than every CLAIM_GAP_MS: under load every accepted email wakes the loop, and one claim
      // transaction per email would cost more than the sends.
      if (full && this.inFlight.size + this.reserved < this.config.concurrency) continue;
      // Stopped while this claim was out: its wake-up found no sleep to end, so do not start one.
      if (!this.running) break;
      await this.sleep(this.config.pollIntervalMs);
      const since = Date.now() - started;
      if (this.running && since < CLAIM_GAP_MS)
        await new Promise((r) => setTimeout(r, CLAIM_GAP_MS - since));
    }
  }

  private async giveBack(batch: EmailRecord[]): Promise<void> {
    if (batch.length === 0) return;
    await this.store.release(
      batch.map((e) => e.id),
      this.owner,
      new Date(),
    );
    this.logger.log({ released: batch.length }, 'claimed while stopping: released');
  }

  private reserve(): Reservation | undefined {
    if (!this.running || this.inFlight.size + this.reserved >= this.config.concurrency)
      return undefined;
    this.reserved++;
    let open = true;
    const settle = () => {
      if (!open) return false;
      open = false;
      this.reserved--;
      return true;
    };
    return {
      owner: this.owner,
      leaseUntil: new Date(Date.now() + this.config.leaseMs),
      adopt: (email) => {
        // Stored while this loop stopped: its lease runs out and another worker takes it.
        if (settle() && this.running) this.start(email);
      },
      cancel: () => void settle(),
    };
  }

  private start(email: EmailRecord): void {
    if (email.leaseRecovered) {
      this.metrics.leasesRecovered.inc();
      this.logger.warn(
        { emailId: email.id },
        'took over an email whose worker stopped renewing it',
      );
    }
    const task = this.runner
      .run(email, this.owner)
      .then(
        () => undefined,
        (e: unknown) =>
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
          this.wakeUp?.();
      });
    this.inFlight.set(email.id, task);
    this.metrics.inFlight.set(this.inFlight.size);
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return;
    try {
      await this.store.renewLeases(ids, this.owner, new Date(Date.now() + this.config.leaseMs));
    } catch (e) {
      this.logger.error({ err: { message: (e as Error).message } }, 'lease renewal failed');
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
