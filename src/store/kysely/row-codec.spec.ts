import { sampleEmail } from '../../../test/contracts/sample-email';
import type { NewEmail } from '../email.store';
import { decodeMessage, emailRow, encodeMessage, newRecord, toRecord } from './row-codec';

const createdAt = new Date(Date.UTC(2030, 0, 1, 9));

function newEmail(overrides: Partial<NewEmail> = {}): NewEmail {
  return {
    id: '01JD0000000000000000000001',
    tenant: 'acme',
    message: sampleEmail(),
    providers: ['mailgun'],
    sendAt: null,
    dueAt: createdAt,
    status: 'queued',
    createdAt,
    ...overrides,
  };
}

describe('the row codec', () => {
  it('round-trips a message with binary attachments byte for byte', () => {
    const message = sampleEmail();
    const decoded = decodeMessage(encodeMessage(message));
    expect(decoded).toEqual(message);
    decoded.attachments.forEach((a, i) =>
      expect(a.content.equals(message.attachments[i].content)).toBe(true),
    );
  });

  it('reads back a stored row as the record it answered when created', () => {
    const email = newEmail();
    const row = { ...emailRow(email), lease_owner: null, lease_until: null } as Parameters<
      typeof toRecord
    >[0];
    expect(toRecord(row)).toEqual(newRecord(email));
  });

  it('stores an email that comes with a lease as sending, in its first round', () => {
    const until = new Date(createdAt.getTime() + 15_000);
    const email = newEmail({ lease: { owner: 'worker-1', until } });
    expect(emailRow(email)).toMatchObject({
      status: 'sending',
      rounds: 1,
      lease_owner: 'worker-1',
      lease_until: until.getTime(),
    });
    expect(newRecord(email)).toMatchObject({ status: 'sending', rounds: 1 });
  });
});
