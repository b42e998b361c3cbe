import { plainToInstance } from 'class-transformer';
import { SmtpOptions } from '../../../src/providers/smtp/smtp.options';
import { allRecipients, type OutboundEmail } from '../../../src/domain/email';
import { SmtpProvider } from '../../../src/providers/smtp/smtp.provider';
import { SmtpFake } from '../../fakes/smtp.fake';
import { expectMime } from '../../support/expect-mime';
import type { ProviderContractCase } from '../provider-contract';

const USER = 'mailover-smtp';
const PASS = 'smtp-pass-4c9e1f7a2d';
const WRONG_PASS = 'smtp-wrong-8b2d6e0c5f';

export const smtpCase: ProviderContractCase = {
  type: 'smtp',
  async setup() {
    const fake = new SmtpFake({ user: USER, pass: PASS });
    const port = await fake.start();
    const adapter = (id: string, pass: string) =>
      new SmtpProvider(
        plainToInstance(SmtpOptions, {
          id,
          type: 'smtp',
          requireTls: false, // the fake relay offers no STARTTLS
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
        const parsed = await expectMime(tx.raw, email, { bccHeader: false, mailoverHeaders: true });
        expect(parsed.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
      },
    };
  },
};
