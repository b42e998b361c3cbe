import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { SparkpostOptions } from './sparkpost.options';
import {
  readSparkpostFailure,
  readSparkpostMessageId,
  sparkpostTransmissionsPath,
  toSparkpostTransmission,
} from './sparkpost.mapper';

export const SPARKPOST_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // SparkPost has no idempotency header or field
  // SparkPost documents no per-transmission maximum (docs/providers/sparkpost.md §4); 50 is a conservative
  // choice, the gateway's own default limit.
  maxRecipients: 50,
  inlineImages: true,
  tags: true,
  metadata: true,
};

/**
 * SparkPost's Transmissions API with the raw key as `Authorization` (docs/providers/sparkpost.md). The base
 * URL picks the region: `https://api.sparkpost.com` (default) or `https://api.eu.sparkpost.com`.
 */
export class SparkpostProvider extends HttpEmailProvider<SparkpostOptions> {
  readonly type = 'sparkpost';
  readonly capabilities = SPARKPOST_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    const key = this.credential('apiKey', this.config.apiKey);
    return {
      method: 'POST',
      path: sparkpostTransmissionsPath(this.http.baseUrl),
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        Authorization: key,
      },
      body: JSON.stringify(toSparkpostTransmission(email)),
    };
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readSparkpostMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readSparkpostFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
