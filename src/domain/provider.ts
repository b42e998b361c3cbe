import type { OutboundEmail } from './email';

/**
 * A provider's type name (`mailgun`, `smtp`, ...): the `type` of a registered plug-in. The list
 * of types is the plug-in registry's (src/providers/provider.registry.ts), not restated here.
 */
export type ProviderType = string;

/** What a provider can do; dispatch and `GET /v1/providers` read it. */
export interface ProviderCapabilities {
  /** The provider deduplicates a retried send by an idempotency key we pass. */
  idempotencyKey: boolean;
  /** Most recipients (to + cc + bcc) one send may carry. */
  maxRecipients: number;
  /** Inline images referenced by `cid:`. */
  inlineImages: boolean;
  tags: boolean;
  metadata: boolean;
}

/** Per-send options. `signal` aborts the request (breaker timeout, shutdown). */
export interface SendContext {
  signal?: AbortSignal;
  /** Stable for every attempt of one email; adapters whose provider supports it pass it on. */
  idempotencyKey?: string;
  /**
   * When dispatch gives up on this attempt (epoch ms). A request that has not left by then must
   * never leave: the attempt is already recorded and the email may have moved on.
   */
  deadline?: number;
}

export interface SendReceipt {
  /** The provider's own id for the message, from wherever that provider puts it. */
  messageId: string;
}

/**
 * The provider port. An adapter sends one message and returns the provider's message id, or
 * throws a `ProviderError` that classifies the failure. Adapters are immutable after
 * construction and never expose credentials.
 */
export interface EmailProvider {
  readonly id: string;
  readonly type: ProviderType;
  readonly capabilities: ProviderCapabilities;
  send(email: OutboundEmail, ctx?: SendContext): Promise<SendReceipt>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}
