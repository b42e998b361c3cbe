import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig, type ProviderConfig } from '../config/config.schema';
import { type Credential, Redactor } from '../domain/redact';
import { Secret } from '../domain/secret';
import type { EmailProvider, ProviderCapabilities, ProviderType } from '../domain/provider';
import { NotFoundError } from '../domain/errors';
import { MetricsService } from '../metrics/metrics.service';
import { HttpTransport } from '../providers/http/http-transport';
import { EMAIL_PROVIDERS } from '../providers/providers.module';
import { EMAIL_STORE, type EmailStore } from '../store/email.store';
import { ProviderLane, type LaneStats } from './provider-lane';
import { planRoute } from './route';

export interface ProviderView extends LaneStats {
  id: string;
  type: ProviderType;
  priority: number;
  weight: number;
  enabled: boolean;
  capabilities: ProviderCapabilities;
}

/**
 * The configured providers as dispatch sees them: each in its lane (breaker, limits, stats),
 * with the operator's enable/disable switches, which the store keeps across restarts.
 */
@Injectable()
export class ProviderRoster implements OnModuleInit {
  private readonly lanes: Map<string, ProviderLane>;
  private readonly logger = new Logger('Providers');
  private disabled = new Set<string>();

  constructor(
    @Inject(EMAIL_PROVIDERS) providers: EmailProvider[],
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    config: AppConfig,
    metrics: MetricsService,
    private readonly http: HttpTransport,
  ) {
    const configs = new Map(config.providers.map((p) => [p.id, p]));
    // Every provider's credentials, in every lane: one provider's error may quote another's.
    const redactor = new Redactor(config.providers.flatMap(credentialsOf));
    this.lanes = new Map(
      providers.map((p) => [
        p.id,
        new ProviderLane(p, configs.get(p.id)!, config.dispatch.breaker, {
          redactor,
          onCircuitChange: (circuit) => {
            metrics.breakerTransitions.inc({ provider: p.id, state: circuit });
            const line = { provider: p.id, circuit };
            if (circuit === 'closed') this.logger.log(line, 'circuit closed: provider back in use');
            else this.logger.warn(line, `circuit ${circuit}`);
          },
        }),
      ]),
    );
  }

  async onModuleInit(): Promise<void> {
    // The first sends must not spend their deadline waiting for the HTTP thread to load.
    await Promise.all([this.refresh(), this.http.whenReady()]);
  }

  /** Picks up switches made by other processes sharing the store. */
  async refresh(): Promise<void> {
    this.disabled = await this.store.disabledProviders();
  }

  has(id: string): boolean {
    return this.lanes.has(id);
  }

  ids(): string[] {
    return [...this.lanes.keys()];
  }

  /** The lanes one email tries this round, in order. */
  route(only: string[] | null): ProviderLane[] {
    const candidates = [...this.lanes.values()].map((l) => ({
      id: l.id,
      priority: l.config.priority,
      weight: l.config.weight,
      enabled: l.config.enabled && !this.disabled.has(l.id),
    }));
    return planRoute(candidates, only).map((id) => this.lanes.get(id)!);
  }

  async setEnabled(id: string, enabled: boolean): Promise<ProviderView> {
    if (!this.lanes.has(id)) throw new NotFoundError(`no provider with id ${id}`);
    await this.store.setProviderDisabled(id, !enabled, new Date());
    if (enabled) this.disabled.delete(id);
    else this.disabled.add(id);
    return this.view(this.lanes.get(id)!);
  }

  list(): ProviderView[] {
    return [...this.lanes.values()].map((l) => this.view(l));
  }

  private view(lane: ProviderLane): ProviderView {
    return {
      id: lane.id,
      type: lane.provider.type,
      priority: lane.config.priority,
      weight: lane.config.weight,
      enabled: lane.config.enabled && !this.disabled.has(lane.id),
      capabilities: lane.provider.capabilities,
      ...lane.stats(),
    };
  }
}

/** The secrets of one provider's configuration, with the user name they go with. */
/**
 * Every credential in a provider's settings, whatever its type: each `Secret`, paired with the
 * `user` setting where there is one (SMTP AUTH, HTTP Basic).
 */
function credentialsOf(p: ProviderConfig): Credential[] {
  const settings = p as unknown as Record<string, unknown>;
  const user = typeof settings.user === 'string' ? settings.user : undefined;
  return Object.values(settings).flatMap((value) =>
    value instanceof Secret && !value.isEmpty ? [{ secret: value.reveal(), user }] : [],
  );
}
