import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import { MailgunOptions } from '../../../src/providers/mailgun/mailgun.options';
import { MailgunProvider } from '../../../src/providers/mailgun/mailgun.provider';
import { MailgunFake } from '../../fakes/mailgun.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const API_KEY = 'key-mailgun-contract-3f9a1c7e5b';
const WRONG_KEY = 'key-mailgun-wrong-8d2e4f6a0c';
const DOMAIN = 'mg.acme.test';

/** The Basic credential as it goes on the wire: base64 hides nothing, so it must not print either. */
const basic = (key: string) => Buffer.from(`api:${key}`).toString('base64');

const hex = async (part: unknown) =>
  Buffer.from(await (part as Blob).arrayBuffer()).toString('hex');

export const mailgunCase: ProviderContractCase = {
  type: 'mailgun',
  async setup() {
    const fake = new MailgunFake({ apiKey: API_KEY, domain: DOMAIN });
    const adapters = await startHttpAdapters(
      fake,
      MailgunProvider,
      MailgunOptions,
      (baseUrl) => ({ type: 'mailgun', baseUrl, apiKey: API_KEY, domain: DOMAIN }),
      { apiKey: WRONG_KEY },
    );
    return {
      fake,
      ...adapters,
      secrets: [API_KEY, WRONG_KEY, basic(API_KEY), basic(WRONG_KEY)],
      lastMessageId: () => fake.lastMessageId,
      async assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe(`/v3/${DOMAIN}/messages`);
        expect(req.headers.authorization).toBe(`Basic ${basic(API_KEY)}`);
        expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
        const form = req.form!;
        expect(form).toBeDefined();
        expect(form.getAll('from')).toEqual([formatAddress(email.from)]);
        expect(form.getAll('to')).toEqual(email.to.map(formatAddress));
        expect(form.getAll('cc')).toEqual(email.cc.map(formatAddress));
        expect(form.getAll('bcc')).toEqual(email.bcc.map(formatAddress));
        expect(form.getAll('h:Reply-To')).toEqual(
          email.replyTo ? [formatAddress(email.replyTo)] : [],
        );
        expect(form.getAll('subject')).toEqual([email.subject]);
        expect(form.getAll('text')).toEqual(email.text === undefined ? [] : [email.text]);
        expect(form.getAll('html')).toEqual(email.html === undefined ? [] : [email.html]);
        for (const [name, value] of Object.entries(email.headers))
          expect(form.getAll(`h:${name}`)).toEqual([value]);
        expect(form.getAll('o:tag')).toEqual(email.tags);
        const variables = Object.fromEntries(
          [...form.entries()].filter(([k]) => k.startsWith('v:')).map(([k, v]) => [k.slice(2), v]),
        );
        expect(variables).toEqual({ ...email.metadata, mailover_id: email.id });

        // Attachments are binary file parts; an inline part is named by its content id.
        const parts = async (field: string) =>
          Promise.all(
            form.getAll(field).map(async (p) => ({
              name: (p as File).name,
              type: (p as File).type,
              hex: await hex(p),
            })),
          );
        expect(await parts('attachment')).toEqual(
          email.attachments
            .filter((a) => !a.contentId)
            .map((a) => ({
              name: a.filename,
              type: a.contentType,
              hex: a.content.toString('hex'),
            })),
        );
        expect(await parts('inline')).toEqual(
          email.attachments
            .filter((a) => a.contentId)
            .map((a) => ({
              name: a.contentId,
              type: a.contentType,
              hex: a.content.toString('hex'),
            })),
        );
      },
      // No assertIdempotencyKey: Mailgun takes no idempotency key (docs/providers/mailgun.md §2).
      // kinds: the defaults hold (401 Forbidden is provider-level, 400 invalid address permanent).
    };
  },
};
