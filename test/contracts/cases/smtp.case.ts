import { plainToInstance } from 'class-transformer';
import { simpleParser, type AddressObject } from 'mailparser';
import { ProviderConfig } from '../../../src/config/config.schema';
import { allRecipients, type OutboundEmail } from '../../../src/domain/email';
import { SmtpProvider } from '../../../src/providers/smtp/smtp.provider';
import { SmtpFake } from '../../fakes/smtp.fake';
import type { ProviderContractCase } from '../provider-contract';

const USER = 'mailover-smtp';
const PASS = 'smtp-pass-4c9e1f7a2d';
const WRONG_PASS = 'smtp-wrong-8b2d6e0c5f';

const addresses = (a?: AddressObject | AddressObject[]) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) =>
    o.value.map((v) => ({ email: v.address, name: v.name || undefined })),
  );
const byName = (x: { filename?: string }, y: { filename?: string }) =>
  String(x.filename).localeCompare(String(y.filename));

export const smtpCase: ProviderContractCase = {
  type: 'smtp',
  async setup() {
    const fake = new SmtpFake({ user: USER, pass: PASS });
    const port = await fake.start();
    const adapter = (id: string, pass: string) =>
      new SmtpProvider(
        plainToInstance(ProviderConfig, {
          id,
          type: 'smtp',
          host: fake.host,
          port,
          secure: false,
          user: USER,
          pass,
          pool: 2,
          timeoutMs: 300,
        }),
      );
    return {
      fake,
      provider: adapter('smtp-test', PASS),
      wrongCredentials: adapter('smtp-wrong', WRONG_PASS),
      secrets: [PASS, WRONG_PASS],
      lastMessageId: () => fake.lastQueueId,
      // SMTP has no Retry-After: a 421/452 "try again later" states no time, so the suite's
      // `retryAfterMs > 0` cannot hold. The fake's rate-limit fault (421 4.7.0 at MAIL FROM) is
      // classified in test/medium/smtp.fake.spec.ts instead: retryable, retryAfterMs only when
      // the reply text states a wait.
      skipFaults: ['rate-limit'],
      kinds: {
        // A greeting that is not SMTP comes before any command: nothing was sent, so it is
        // safe to retry (HTTP's garbage is a 2xx after the request, hence ambiguous there).
        garbage: 'retryable',
      },
      async assertWire(email: OutboundEmail) {
        const tx = fake.lastTransaction;
        expect(tx.username).toBe(USER); // the fake accepts only USER with PASS
        expect(['PLAIN', 'LOGIN']).toContain(tx.authMethod);
        expect(tx.mailFrom).toBe(email.from.email);
        // The envelope carries every recipient, bcc included; the headers never name bcc.
        expect([...tx.rcptTo].sort()).toEqual(
          allRecipients(email)
            .map((a) => a.email)
            .sort(),
        );
        const headerBlock = tx.raw.toString('latin1').split('\r\n\r\n')[0];
        expect(headerBlock).not.toMatch(/^bcc:/im);
        for (const b of email.bcc) expect(headerBlock).not.toContain(b.email);

        const parsed = await simpleParser(tx.raw, { keepCidLinks: true });
        expect(addresses(parsed.from)).toEqual([email.from]);
        expect(addresses(parsed.to)).toEqual(email.to);
        expect(addresses(parsed.cc)).toEqual(email.cc);
        expect(addresses(parsed.bcc)).toEqual([]);
        expect(addresses(parsed.replyTo)).toEqual(email.replyTo ? [email.replyTo] : []);
        expect(parsed.subject).toBe(email.subject);
        expect(parsed.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
        expect(parsed.html || undefined).toBe(email.html);
        expect(parsed.text?.trim()).toBe(email.text);
        for (const [name, value] of Object.entries(email.headers)) {
          expect(parsed.headers.get(name.toLowerCase())).toBe(value);
        }
        expect(parsed.headers.get('x-mailover-id')).toBe(email.id);
        expect(JSON.parse(String(parsed.headers.get('x-mailover-metadata')))).toEqual({
          ...email.metadata,
          mailover_id: email.id,
        });
        expect(parsed.headers.get('x-mailover-tags')).toBe(
          email.tags.length ? email.tags.join(', ') : undefined,
        );
        expect(
          parsed.attachments
            .map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              cid: a.cid,
              bytes: a.content.toString('hex'),
            }))
            .sort(byName),
        ).toEqual(
          email.attachments
            .map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              cid: a.contentId,
              bytes: a.content.toString('hex'),
            }))
            .sort(byName),
        );
      },
    };
  },
};
