import { inspect } from 'node:util';
import { ProviderError } from '../../src/domain/provider-error';
import type { FaultKind } from '../fakes/fake-http-server';
import {
  DEFAULT_KINDS,
  type ProviderContractCase,
  type ProviderContractSetup,
} from './provider-contract';
import { sampleEmail } from './sample-email';
import { CASES } from './cases';

const FAULTS = Object.keys(DEFAULT_KINDS) as Array<keyof typeof DEFAULT_KINDS>;

async function sendExpectingError(
  setup: ProviderContractSetup,
  provider = setup.provider,
): Promise<ProviderError> {
  try {
    await provider.send(sampleEmail());
  } catch (e) {
    expect(e).toBeInstanceOf(ProviderError);
    return e as ProviderError;
  }
  throw new Error('send succeeded where it should have failed');
}

function expectNoSecret(setup: ProviderContractSetup, ...things: unknown[]): void {
  const printed = things
    .flatMap((t) => [
      String(t),
      inspect(t, { depth: 10, showHidden: true }),
      JSON.stringify(t) ?? '',
      (t as Error)?.stack ?? '',
    ])
    .join('\n');
  for (const secret of setup.secrets) expect(printed).not.toContain(secret);
}

describe.each(CASES.map((c): [string, ProviderContractCase] => [c.type, c]))(
  '%s adapter contract',
  (_type, contractCase) => {
    let setup: ProviderContractSetup;

    beforeEach(async () => {
      setup = await contractCase.setup();
    });

    afterEach(async () => {
      await setup.provider.close?.();
      await setup.wrongCredentials?.close?.();
      await setup.fake.stop();
    });

    it('puts every field of the message on the wire and returns the provider message id', async () => {
      const email = sampleEmail();
      const receipt = await setup.provider.send(email);
      expect(receipt.messageId).toBe(setup.lastMessageId());
      await setup.assertWire(email);
    });

    it('sends a text-only message to a single recipient', async () => {
      const email = sampleEmail({
        to: [{ email: 'ann@example.com' }],
        cc: [],
        bcc: [],
        html: undefined,
        attachments: [],
        replyTo: undefined,
        tags: [],
        metadata: {},
        headers: {},
      });
      const receipt = await setup.provider.send(email);
      expect(receipt.messageId).toBe(setup.lastMessageId());
      await setup.assertWire(email);
    });

    it('passes the idempotency key only where the provider takes one', async () => {
      if (!setup.assertIdempotencyKey) {
        expect(setup.provider.capabilities.idempotencyKey).toBe(false);
        return;
      }
      await setup.provider.send(sampleEmail(), {
        idempotencyKey: 'mailover-01JD0000000000000000000001',
      });
      await setup.assertIdempotencyKey('mailover-01JD0000000000000000000001');
    });

    it('classifies wrong credentials as a provider-level failure, without leaking them', async () => {
      if (!setup.wrongCredentials) {
        expect(setup.secrets).toEqual([]); // a provider without credentials
        return;
      }
      const error = await sendExpectingError(setup, setup.wrongCredentials);
      expect(error.kind).toBe('provider');
      expect(error.providerId).toBe(setup.wrongCredentials.id);
      expectNoSecret(setup, error, setup.provider, setup.wrongCredentials);
    });

    it.each(FAULTS)('classifies the %s fault', async (fault: FaultKind) => {
      if (setup.skipFaults?.includes(fault)) {
        expect(setup.skipFaults).toContain(fault); // declared not applicable by the case
        return;
      }
      setup.fake.inject({ kind: fault });
      const error = await sendExpectingError(setup);
      const expected = setup.kinds?.[fault] ?? DEFAULT_KINDS[fault as keyof typeof DEFAULT_KINDS];
      expect({ fault, kind: error.kind }).toEqual({ fault, kind: expected });
      expect(error.message.length).toBeGreaterThan(0);
      if (fault === 'rate-limit') expect(error.details.retryAfterMs).toBeGreaterThan(0);
      expectNoSecret(setup, error, setup.provider);
    });

    it('succeeds on a slow answer within the timeout', async () => {
      if (setup.skipFaults?.includes('slow')) {
        expect(setup.skipFaults).toContain('slow');
        return;
      }
      setup.fake.inject({ kind: 'slow', delayMs: 50 }, 1);
      const receipt = await setup.provider.send(sampleEmail());
      expect(receipt.messageId).toBe(setup.lastMessageId());
    });

    it('recovers after a fault heals', async () => {
      const fault = setup.skipFaults?.includes('server-error') ? 'down' : 'server-error';
      setup.fake.inject({ kind: fault });
      await sendExpectingError(setup);
      setup.fake.heal();
      await setup.fake.ready?.();
      const receipt = await setup.provider.send(sampleEmail());
      expect(receipt.messageId).toBe(setup.lastMessageId());
    });
  },
);
