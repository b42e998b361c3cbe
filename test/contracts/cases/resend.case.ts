import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import { ResendOptions } from '../../../src/providers/resend/resend.options';
import { ResendProvider } from '../../../src/providers/resend/resend.provider';
import { ResendFake } from '../../fakes/resend.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const API_KEY = 're_contract_7Hq2mZx9Lw4Vb8Np';
const WRONG_KEY = 're_wrong_3Kd8sPq1Xy6Rt0Ua';

interface WireEmail {
  [field: string]: unknown;
  tags: Array<{ name: string; value: string }>;
}

export const resendCase: ProviderContractCase = {
  type: 'resend',
  async setup() {
    const fake = new ResendFake({ apiKey: API_KEY });
    const adapters = await startHttpAdapters(
      fake,
      ResendProvider,
      ResendOptions,
      (baseUrl) => ({ type: 'resend', baseUrl, apiKey: API_KEY }),
      { apiKey: WRONG_KEY },
    );
    return {
      fake,
      ...adapters,
      secrets: [API_KEY, WRONG_KEY],
      lastMessageId: () => fake.lastMessageId,
      assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe('/emails');
        expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(req.headers['content-type']).toMatch(/^application\/json/);
        const body = req.json as WireEmail;
        const list = (addresses: OutboundEmail['to']) =>
          addresses.length ? addresses.map(formatAddress) : undefined;
        expect(body.from).toBe(formatAddress(email.from));
        expect(body.to).toEqual(email.to.map(formatAddress));
        expect(body.cc).toEqual(list(email.cc));
        expect(body.bcc).toEqual(list(email.bcc));
        expect(body.reply_to).toEqual(email.replyTo ? [formatAddress(email.replyTo)] : undefined);
        expect(body.subject).toBe(email.subject);
        expect(body.text).toBe(email.text);
        expect(body.html).toBe(email.html);
        expect(body.headers ?? {}).toEqual(email.headers);
        expect(body.attachments ?? []).toEqual(
          email.attachments.map((a) => ({
            filename: a.filename,
            content: a.content.toString('base64'),
            content_type: a.contentType,
            ...(a.contentId ? { content_id: a.contentId } : {}),
          })),
        );
        // Tags are Resend's only metadata channel (webhooks return them as {name: value}); the
        // sample's tags and metadata are already within Resend's tag charset.
        expect(Object.fromEntries(body.tags.map((t) => [t.name, t.value]))).toEqual({
          ...Object.fromEntries(email.tags.map((t) => [t, 'true'])),
          ...email.metadata,
          mailover_id: email.id,
        });
      },
      assertIdempotencyKey(key: string) {
        expect(fake.lastRequest.headers['idempotency-key']).toBe(key);
      },
      // kinds: the defaults hold (403 invalid_api_key provider-level, 422 invalid `to` permanent,
      // 429 rate_limit_exceeded and 500 retryable).
    };
  },
};
