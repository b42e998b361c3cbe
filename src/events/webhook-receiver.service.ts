import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { WebhookPayloadError } from '../domain/events';
import { newId } from '../domain/id';
import { MetricsService } from '../metrics/metrics.service';
import type { WebhookContext } from '../providers/provider.plugin';
import { ProviderRegistry } from '../providers/provider.registry';
import { EVENT_STORE, type EventStore } from '../store/events.store';
import { EventProcessor } from './event-processor.service';

/** How a webhook request ends; the controller turns it into the answer. */
export type Receipt =
  | { result: 'stored' | 'duplicate' }
  | { result: 'unknown-provider' }
  | { result: 'unverified' }
  | { result: 'unparseable'; detail: string };

/** Certificates are small; a larger answer is not one. */
const MAX_FETCHED_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
const CACHED_URLS = 32;

/**
 * Receives a provider's webhook: verifies it with the provider's own scheme over the raw bytes,
 * checks that its body can be read, stores it durably (a repeated delivery once) and has it
 * processed after the answer. Nothing unverified is stored.
 */
@Injectable()
export class WebhookReceiver {
  private readonly logger = new Logger('Webhooks');
  private readonly cache = new Map<string, Promise<string>>();
  private readonly context: WebhookContext = { fetchCached: (url) => this.fetchCached(url) };

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    private readonly processor: EventProcessor,
    private readonly metrics: MetricsService,
  ) {}

  /** True when the provider exists and has a `webhook` setting (GET/HEAD answer 200). */
  accepts(providerId: string): boolean {
    return this.webhookOf(providerId) !== undefined;
  }

  async receive(
    providerId: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<Receipt> {
    const found = this.webhookOf(providerId);
    if (!found) return { result: 'unknown-provider' };
    const now = new Date();
    const verdict = await found.webhook.verify(
      { url, headers, body, now },
      found.settings,
      this.context,
    );
    if (!verdict.ok) {
      this.metrics.webhookRequests.inc({ provider: providerId, result: 'unverified' });
      // Debug only: anyone can send these, and each is counted in the metrics.
      this.logger.debug?.({ provider: providerId, reason: verdict.reason }, 'webhook not verified');
      return { result: 'unverified' };
    }
    try {
      found.webhook.parse(body);
    } catch (e) {
      if (!(e instanceof WebhookPayloadError)) throw e;
      this.metrics.webhookRequests.inc({ provider: providerId, result: 'unparseable' });
      return { result: 'unparseable', detail: e.message };
    }
    if (verdict.confirmUrl) await this.confirm(providerId, verdict.confirmUrl);
    const fresh = await this.store.saveDelivery({
      id: newId(now.getTime()),
      providerId,
      dedupeKey: verdict.dedupeKey,
      body: body.toString('utf8'),
      receivedAt: now,
    });
    const result = fresh ? 'stored' : 'duplicate';
    this.metrics.webhookRequests.inc({ provider: providerId, result });
    if (fresh) setImmediate(() => void this.processor.drain().catch(() => undefined));
    return { result };
  }

  private webhookOf(providerId: string) {
    const provider = this.config.providers.find((p) => p.id === providerId);
    const webhook = provider && this.registry.find(provider.type)?.webhook;
    return webhook && provider.webhook ? { webhook, settings: provider.webhook } : undefined;
  }

  /** SNS SubscriptionConfirmation: the verifier checked the URL against its pattern. */
  private async confirm(providerId: string, url: string): Promise<void> {
    try {
      await this.get(url);
      this.logger.log({ provider: providerId }, 'SNS subscription confirmed');
    } catch (e) {
      this.logger.warn(
        { provider: providerId, err: { message: (e as Error).message } },
        'SNS subscription confirmation failed',
      );
    }
  }

  private fetchCached(url: string): Promise<string> {
    let text = this.cache.get(url);
    if (!text) {
      text = this.get(url);
      if (this.cache.size >= CACHED_URLS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(url, text);
      // A failed fetch is not kept: the next request tries again.
      text.catch(() => this.cache.delete(url));
    }
    return text;
  }

  private async get(url: string): Promise<string> {
    const res = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET answered ${res.status}`);
    if (bytes.length > MAX_FETCHED_BYTES) throw new Error('the answer is too large');
    return bytes.toString('utf8');
  }
}
