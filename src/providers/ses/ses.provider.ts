import * as aws4 from 'aws4';
import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import { ProviderError } from '../../domain/provider-error';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { SesOptions } from './ses.options';
import {
  readSesFailure,
  readSesMessageId,
  renderSesMime,
  SES_SEND_PATH,
  sesNeedsRaw,
  toSesSendEmail,
} from './ses.mapper';

export const SES_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // SendEmail has no client token (docs/providers/ses.md §2)
  maxRecipients: 50, // To + Cc + Bcc per message (docs/providers/ses.md §4)
  inlineImages: true, // raw MIME with Content-ID parts
  tags: true, // as EmailTags `tag_<tag>`
  metadata: true, // as EmailTags
};

/**
 * Amazon SES v2 `SendEmail` (rest-json), signed with SigV4 by `aws4` for signing name `ses`
 * and the configured region (docs/providers/ses.md). The base URL is `endpoint` or
 * `https://email.<region>.amazonaws.com`; the signature covers the host of that URL.
 */
export class SesProvider extends HttpEmailProvider<SesOptions> {
  readonly type = 'ses';
  readonly capabilities = SES_CAPABILITIES;

  protected async buildRequest(email: OutboundEmail): Promise<ProviderHttpRequest> {
    const { sessionToken, region } = this.config;
    if (!region) throw new ProviderError(this.id, 'provider', 'region is not configured');
    const body = JSON.stringify(
      toSesSendEmail(email, {
        configurationSet: this.config.configurationSet,
        rawMime: sesNeedsRaw(email) ? await this.renderMime(email) : undefined,
      }),
    );
    const base = new URL(this.http.baseUrl);
    const signed = aws4.sign(
      {
        host: base.host,
        method: 'POST',
        path: base.pathname.replace(/\/+$/, '') + SES_SEND_PATH,
        service: 'ses',
        region,
        headers: { 'Content-Type': 'application/json' },
        body,
      },
      {
        accessKeyId: this.credential('accessKeyId', this.config.accessKeyId),
        secretAccessKey: this.credential('secretAccessKey', this.config.secretAccessKey),
        sessionToken: sessionToken?.reveal(),
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers ?? {})) {
      if (value !== undefined) headers[name] = String(value);
    }
    return { method: 'POST', path: SES_SEND_PATH, headers, body };
  }

  /** Attachments and custom headers need raw MIME (docs/providers/ses.md); a message that cannot be rendered never will be. */
  private async renderMime(email: OutboundEmail): Promise<Buffer> {
    try {
      return await renderSesMime(email);
    } catch (e) {
      throw new ProviderError(
        this.id,
        'permanent',
        `cannot build the MIME message: ${(e as Error).message}`,
      );
    }
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readSesMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readSesFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.accessKeyId, this.config.secretAccessKey, this.config.sessionToken];
  }
}
