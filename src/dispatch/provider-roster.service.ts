import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig, type ProviderConfig } from '../config/config.schema';
import { type Credential, Redactor } from '../domain/redact';
import type { EmailProvider, ProviderCapabilities, ProviderType } from '../domain/provider';
import { NotFoundError } from '../domain/errors';
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
  private disabled = new Set<string>();

  constructor(
    @Inject(EMAIL_PROVIDERS) providers: EmailProvider[],
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    config: AppConfig,
  ) {
    const configs = new Map(config.providers.map((p) => [p.id, p]));
    // Every provider's credentials, in every lane: one provider's error may quote another's.
    const redactor = new Redactor(config.providers.flatMap(credentialsOf));
    this.lanes = new Map(
      providers.map((p) => [
        p.id,
        new ProviderLane(p, configs.get(p.id)!, config.dispatch.breaker, redactor),
      ]),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
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
function credentialsOf(p: ProviderConfig): Credential[] {
  const secrets = [p.apiKey, p.serverToken, p.accessKeyId, p.secretAccessKey, p.sessionToken];
  return [
    ...secrets.flatMap((s) => (s && !s.isEmpty ? [{ secret: s.reveal() }] : [])),
    ...(p.pass && !p.pass.isEmpty ? [{ secret: p.pass.reveal(), user: p.user }] : []),
  ];
}
