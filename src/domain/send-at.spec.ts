import { parseSendAt } from './send-at';

describe('parseSendAt', () => {
  const at = Date.UTC(2030, 0, 15, 9, 30, 0);

  it.each([
    '2030-01-15T09:30:00Z',
    '2030-01-15T10:30:00+01:00',
    '2030-01-15T09:30:00.000Z',
    '2030-01-15 09:30:00',
    'Tue, 15 Jan 2030 09:30:00 +0000',
    '15 Jan 2030 04:30:00 -0500',
  ])('reads %s as the same instant', (text) => {
    expect(parseSendAt(text)?.getTime()).toBe(at);
  });

  it.each([
    'tomorrow',
    '2030-01-15',
    '2030-01-15T09:30:00',
    '2030-02-30 09:30:00',
    '2027-02-30T09:30:00Z',
    '2027-02-29T09:30:00Z',
    '2027-04-31T09:30:00+02:00',
    '2027-13-01T09:30:00Z',
    'Tue, 30 Feb 2027 09:30:00 +0000',
    '2030-01-15 24:00:00',
    '',
    '1893456000',
  ])('refuses %j', (text) => {
    expect(parseSendAt(text)).toBeUndefined();
  });
});

it('reads the 29th of February of a leap year', () => {
  expect(parseSendAt('2028-02-29T00:00:00Z')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
});
