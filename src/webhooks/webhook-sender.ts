import type { WebhookEndpointConfig } from '../config/config.schema';
import { webhookHeaders } from '../domain/standard-webhooks';
import type { WebhookAttempt } from '../store/webhook-deliveries.store';

/** One POST of one delivery: its result as an attempt, and whether the endpoint took it (2xx). */
export interface SendResult {
  attempt: WebhookAttempt;
  delivered: boolean;
}

/**
 * Sends one delivery attempt with fetch: the Standard Webhooks headers signed for this attempt's
 * timestamp, at most `timeoutMs` for the whole exchange, redirects not followed (a 3xx is a failed
 * attempt: a signed event goes only where the operator said). The answer's body is not read.
 */
export class WebhookSender {
  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async send(
    endpoint: WebhookEndpointConfig,
    delivery: { id: string; payload: string },
  ): Promise<SendResult> {
    const started = this.now();
    const headers = webhookHeaders(
      endpoint.secret.reveal(),
      delivery.id,
      Math.floor(started / 1000),
      delivery.payload,
    );
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Mailover-Webhooks/1',
          ...headers,
        },
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (e) {
      error = describe(e, this.timeoutMs);
    }
    const attempt = {
      seq: 0,
      at: new Date(started),
      durationMs: this.now() - started,
      statusCode,
      error,
    };
    return { attempt, delivered: error === null };
  }
}

/** A short reason without the URL (it may carry a token): the error code or kind. */
function describe(e: unknown, timeoutMs: number): string {
  const error = e as { name?: string; cause?: { code?: string; name?: string } };
  if (error.name === 'TimeoutError' || error.cause?.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`;
  if (error.cause?.code) return `connection failed: ${error.cause.code}`;
  return `request failed: ${error.name ?? 'Error'}`;
}
