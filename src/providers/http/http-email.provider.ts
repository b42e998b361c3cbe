import { inspect } from 'node:util';
import type { ProviderConfig } from '../provider.options';
import type { OutboundEmail } from '../../domain/email';
import type {
  EmailProvider,
  ProviderCapabilities,
  ProviderType,
  SendContext,
  SendReceipt,
} from '../../domain/provider';
import { ProviderError, type FailureKind } from '../../domain/provider-error';
import { redactSecrets, type Secret } from '../../domain/secret';
import {
  ProviderHttp,
  retryAfterMs,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from './provider-http';

/** How an adapter reads a failed answer: the kind, the provider's own text, its error code. */
export interface FailureReading {
  kind: FailureKind;
  message: string;
  code?: string;
  retryAfterMs?: number;
}

/**
 * The send loop every HTTP adapter shares: build the request (the vendor's mapper), send it,
 * read the message id from a success answer, or classify the failure. A success answer whose
 * id cannot be read is ambiguous: the provider probably took the message.
 */
export abstract class HttpEmailProvider<
  O extends ProviderConfig = ProviderConfig,
> implements EmailProvider {
  abstract readonly type: ProviderType;
  abstract readonly capabilities: ProviderCapabilities;
  readonly id: string;

  constructor(
    protected readonly config: O,
    protected readonly http: ProviderHttp,
  ) {
    this.id = config.id;
  }

  protected abstract buildRequest(
    email: OutboundEmail,
    ctx: SendContext,
  ): ProviderHttpRequest | Promise<ProviderHttpRequest>;
  /** The provider's message id, or undefined when the answer does not carry one. */
  protected abstract readMessageId(res: ProviderHttpResponse): string | undefined;
  protected abstract readFailure(res: ProviderHttpResponse): FailureReading;
  /** The credentials this adapter holds, so that no error text can echo them. */
  protected abstract secrets(): Array<Secret | undefined>;

  /** A credential's value for the request being built; config validation makes it present. */
  protected credential(name: string, secret: Secret | undefined): string {
    if (!secret || secret.isEmpty)
      throw new ProviderError(this.id, 'provider', `${name} is not configured`);
    return secret.reveal();
  }

  async send(email: OutboundEmail, ctx: SendContext = {}): Promise<SendReceipt> {
    const res = await this.http.request(
      await this.buildRequest(email, ctx),
      ctx.signal,
      ctx.deadline,
    );
    if (res.status >= 200 && res.status < 300) {
      const messageId = this.readMessageId(res);
      if (messageId) return { messageId };
      throw this.error('ambiguous', `HTTP ${res.status} without a readable message id`, res.status);
    }
    const failure = this.readFailure(res);
    throw this.error(
      failure.kind,
      `HTTP ${res.status}: ${failure.message}`,
      res.status,
      failure.code,
      failure.retryAfterMs ?? retryAfterMs(res.headers),
    );
  }

  async close(): Promise<void> {
    this.http.close();
  }

  toString(): string {
    return `${this.type}:${this.id}`;
  }

  /** The keep-alive agents inside `http` keep sent requests (auth headers included): never print them. */
  [inspect.custom](): string {
    return `${this.constructor.name} { id: '${this.id}' }`;
  }

  private error(
    kind: FailureKind,
    message: string,
    status?: number,
    code?: string,
    retryAfter?: number,
  ): ProviderError {
    const text = redactSecrets(message.slice(0, 2000), this.secrets());
    return new ProviderError(this.id, kind, text, { status, code, retryAfterMs: retryAfter });
  }
}
