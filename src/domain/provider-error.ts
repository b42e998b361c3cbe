/**
 * The one failure taxonomy that drives retries, failover and breaker counting.
 * - retryable: the provider did not take the message and may later (timeout before sending,
 *   connection refused, 429, 5xx).
 * - provider: this provider cannot send for anyone right now (bad credentials, suspended
 *   account); use another provider.
 * - permanent: no provider will take this message (invalid recipient, rejected content).
 * - ambiguous: the request may have reached the provider (timeout or reset after sending,
 *   an unreadable success answer).
 */
export type FailureKind = 'retryable' | 'provider' | 'permanent' | 'ambiguous';

export interface ProviderErrorDetails {
  /** HTTP status or SMTP reply code. */
  status?: number;
  /** The provider's own error code or name, when it has one. */
  code?: string;
  /** From Retry-After, X-RateLimit-Reset or the like. */
  retryAfterMs?: number;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    readonly providerId: string,
    readonly kind: FailureKind,
    message: string,
    readonly details: ProviderErrorDetails = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { providerId: this.providerId, kind: this.kind, message: this.message, ...this.details };
  }
}
