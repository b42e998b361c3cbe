import type { OutboundEmail } from '../../src/domain/email';
import type { EmailProvider, SendContext, SendReceipt } from '../../src/domain/provider';
import { ProviderError } from '../../src/domain/provider-error';

/** One call the scripted provider received, answered by the test. */
export interface ScriptedCall {
  email: OutboundEmail;
  ctx: SendContext;
  succeed(messageId?: string): void;
  fail(kind: ProviderError['kind'], code?: string, retryAfterMs?: number): void;
}

/**
 * An EmailProvider whose every send waits for the test to answer it (the dispatch unit tests'
 * stand-in for a provider; the adapters themselves are tested against the fake servers). An
 * aborted send fails as an adapter does: ambiguous, ERR_CANCELED.
 */
export class ScriptedProvider implements EmailProvider {
  readonly type = 'sandbox' as const;
  readonly capabilities = {
    idempotencyKey: false,
    maxRecipients: 50,
    inlineImages: false,
    tags: false,
    metadata: false,
  };
  readonly calls: ScriptedCall[] = [];
  /** Answer every new call at once with this, instead of leaving it to the test. */
  autoAnswer?: (call: ScriptedCall) => void;
  /** Behave like an adapter stuck in a call that does not honour its abort signal. */
  ignoreAbort = false;

  constructor(readonly id: string) {}

  send(email: OutboundEmail, ctx: SendContext = {}): Promise<SendReceipt> {
    const index = this.calls.length;
    return new Promise<SendReceipt>((resolve, reject) => {
      const call: ScriptedCall = {
        email,
        ctx,
        succeed: (messageId = `${this.id}-${index}`) => resolve({ messageId }),
        fail: (kind, code, retryAfterMs) =>
          reject(new ProviderError(this.id, kind, `${kind} failure`, { code, retryAfterMs })),
      };
      if (!this.ignoreAbort)
        ctx.signal?.addEventListener('abort', () =>
          reject(
            new ProviderError(this.id, 'ambiguous', 'request aborted', { code: 'ERR_CANCELED' }),
          ),
        );
      this.calls.push(call);
      this.autoAnswer?.(call);
    });
  }
}
