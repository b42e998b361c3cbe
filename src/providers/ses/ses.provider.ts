import * as aws4 from 'aws4';
import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities, SendContext, SendReceipt } from '../../domain/provider';
import { ProviderError } from '../../domain/provider-error';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import {
  readSesFailure,
  readSesMessageId,
  renderSesMime,
  SES_SEND_PATH,
  sesNeedsRaw,
  toSesSendEmail,
} from './ses.mapper';

/** The send context plus the MIME message rendered before the (synchronous) request build. */
interface SesSendContext extends SendContext {
  rawMime?: Buffer;
}

/**
 * Amazon SES v2 `SendEmail` (rest-json), signed with SigV4 by `aws4` for signing name `ses`
 * and the configured region (ses.md). The base URL is `endpoint` or
 * `https://email.<region>.amazonaws.com`; the signature covers the host of that URL.
 */
export class SesProvider extends HttpEmailProvider {
  readonly type = 'ses' as const;
  readonly capabilities: ProviderCapabilities = {
    idempotencyKey: false, // SendEmail has no client token (ses.md §2)
    maxRecipients: 50, // To + Cc + Bcc per message (ses.md §4)
    inlineImages: true, // raw MIME with Content-ID parts
    tags: true, // as EmailTags `tag_<tag>`
    metadata: true, // as EmailTags
  };

  override async send(email: OutboundEmail, ctx: SendContext = {}): Promise<SendReceipt> {
    let rawMime: Buffer | undefined;
    if (sesNeedsRaw(email)) {
      try {
        rawMime = await renderSesMime(email);
      } catch (e) {
        throw new ProviderError(
          this.id,
          'permanent',
          `cannot build the MIME message: ${(e as Error).message}`,
        );
      }
    }
    const sesCtx: SesSendContext = { ...ctx, rawMime };
    return super.send(email, sesCtx);
  }

  protected buildRequest(email: OutboundEmail, ctx: SesSendContext): ProviderHttpRequest {
    const { accessKeyId, secretAccessKey, sessionToken, region } = this.config;
    if (!accessKeyId || !secretAccessKey || !region) {
      throw new ProviderError(
        this.id,
        'provider',
        'accessKeyId, secretAccessKey and region must be configured',
      );
    }
    const body = JSON.stringify(
      toSesSendEmail(email, {
        configurationSet: this.config.configurationSet,
        rawMime: ctx.rawMime,
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
        accessKeyId: accessKeyId.reveal(),
        secretAccessKey: secretAccessKey.reveal(),
        sessionToken: sessionToken?.reveal(),
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers ?? {})) {
      if (value !== undefined) headers[name] = String(value);
    }
    return { method: 'POST', path: SES_SEND_PATH, headers, body };
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
