import type { Address, OutboundEmail } from '../../../src/domain/email';
import { SendgridOptions } from '../../../src/providers/sendgrid/sendgrid.options';
import { SendgridProvider } from '../../../src/providers/sendgrid/sendgrid.provider';
import { SendgridFake } from '../../fakes/sendgrid.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const API_KEY = 'SG.contractKeyId01.c0ntr4ctS3cr3tV4lu3-sendgrid';
const WRONG_KEY = 'SG.wrongKeyId0001.wr0ngS3cr3tV4lu3-sendgrid';

const wireAddress = (a: Address) =>
  a.name ? { email: a.email, name: a.name } : { email: a.email };

interface WireMail {
  personalizations: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export const sendgridCase: ProviderContractCase = {
  type: 'sendgrid',
  async setup() {
    const fake = new SendgridFake(API_KEY);
    const adapters = await startHttpAdapters(
      fake,
      SendgridProvider,
      SendgridOptions,
      (baseUrl) => ({ type: 'sendgrid', baseUrl, apiKey: API_KEY }),
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
        expect(req.path).toBe('/v3/mail/send');
        expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(req.headers['content-type']).toMatch(/^application\/json/);
        const mail = req.json as WireMail;
        expect(mail.personalizations).toHaveLength(1);
        const [p] = mail.personalizations;
        // The sample message has no duplicate addresses, so every recipient is on the wire as given.
        expect(p.to).toEqual(email.to.map(wireAddress));
        expect(p.cc).toEqual(email.cc.length ? email.cc.map(wireAddress) : undefined);
        expect(p.bcc).toEqual(email.bcc.length ? email.bcc.map(wireAddress) : undefined);
        expect(p.custom_args).toEqual({ ...email.metadata, mailover_id: email.id });
        expect(mail.from).toEqual(wireAddress(email.from));
        expect(mail.reply_to).toEqual(email.replyTo ? wireAddress(email.replyTo) : undefined);
        expect(mail.subject).toBe(email.subject);
        expect(mail.content).toEqual([
          ...(email.text !== undefined ? [{ type: 'text/plain', value: email.text }] : []),
          ...(email.html !== undefined ? [{ type: 'text/html', value: email.html }] : []),
        ]);
        expect(mail.headers ?? {}).toEqual(email.headers);
        expect(mail.categories ?? []).toEqual(email.tags);
        expect(mail.attachments ?? []).toEqual(
          email.attachments.map((a) => ({
            content: a.content.toString('base64'),
            filename: a.filename,
            type: a.contentType,
            disposition: a.contentId ? 'inline' : 'attachment',
            ...(a.contentId ? { content_id: a.contentId } : {}),
          })),
        );
      },
      // No assertIdempotencyKey: SendGrid takes no idempotency key (docs/providers/sendgrid.md §2).
      // kinds: the defaults hold (401 provider-level, 400 invalid address permanent, 429/5xx retryable).
    };
  },
};
