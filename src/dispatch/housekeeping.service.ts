import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { EMAIL_STORE, type EmailStore } from '../store/email.store';
import { ProviderRoster } from './provider-roster.service';

const ROSTER_REFRESH_MS = 5000;
const PURGE_EVERY_MS = 3600_000;
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/**
 * Periodic chores of every process, whatever its role: picking up provider switches made by other
 * replicas, and forgetting idempotency keys older than a day. It also points the queue gauges at
 * the store.
 */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Housekeeping');
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly roster: ProviderRoster,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.readQueueFrom(() => this.store.queueStats(new Date()));
    this.every(ROSTER_REFRESH_MS, 'provider switches refresh', () => this.roster.refresh());
    this.every(
      PURGE_EVERY_MS,
      'idempotency purge',
      () => this.store.purgeIdempotencyKeys(new Date(Date.now() - IDEMPOTENCY_TTL_MS)),
      true,
    );
  }

  beforeApplicationShutdown(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private every(ms: number, what: string, chore: () => Promise<unknown>, now = false): void {
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      chore()
        .catch((e: Error) => this.logger.error({ err: { message: e.message } }, `${what} failed`))
        .finally(() => (busy = false));
    };
    if (now) tick();
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
