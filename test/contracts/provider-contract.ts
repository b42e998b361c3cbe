import type { OutboundEmail } from '../../src/domain/email';
import type { EmailProvider } from '../../src/domain/provider';
import type { FailureKind } from '../../src/domain/provider-error';
import type { FaultKind, ProviderFake } from '../fakes/fake-http-server';

/** What one provider type brings to the shared contract suite. */
export interface ProviderContractCase {
  type: EmailProvider['type'];
  /** Starts the fake and builds adapters pointed at it. */
  setup(): Promise<ProviderContractSetup>;
}

export interface ProviderContractSetup {
  fake: ProviderFake;
  /** Valid credentials; a short timeout (about 300 ms) so `hang` tests are quick. */
  provider: EmailProvider;
  /** Same fake, a wrong credential: the fake must refuse it the provider's real way. Absent only for a provider without credentials (sandbox). */
  wrongCredentials?: EmailProvider;
  /** Every credential value either adapter holds: none may appear in errors or printouts. */
  secrets: string[];
  /** The message id the fake put in its last success answer, as the adapter should return it. */
  lastMessageId(): string;
  /**
   * Asserts, on what the fake received last, that every field of `email` reached the wire in
   * the provider's format (from, to, cc, bcc, reply-to, subject, html, text, headers,
   * attachments with their bytes, inline content id, tags, metadata incl. mailover_id) and that
   * the auth header is right. Uses jest `expect`.
   */
  assertWire(email: OutboundEmail): void | Promise<void>;
  /**
   * Asserts what the fake received for a send with `idempotencyKey`: that the key is on the wire
   * for providers that take one (capabilities.idempotencyKey), absent otherwise.
   */
  assertIdempotencyKey?(key: string): void | Promise<void>;
  /** Expected kind per fault where the provider differs from the defaults below. */
  kinds?: Partial<Record<FaultKind, FailureKind>>;
  /** Faults that cannot exist for this provider (say why in a comment where the case is written). */
  skipFaults?: FaultKind[];
}

/** What each fault must be classified as, unless a case says otherwise. */
export const DEFAULT_KINDS: Record<Exclude<FaultKind, 'slow'>, FailureKind> = {
  down: 'retryable',
  hang: 'ambiguous',
  'server-error': 'retryable',
  'rate-limit': 'retryable',
  auth: 'provider',
  garbage: 'ambiguous',
  reset: 'ambiguous',
  'reject-recipient': 'permanent',
};
