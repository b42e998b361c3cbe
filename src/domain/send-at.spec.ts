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
    '',
    '1893456000',
  ])('refuses %j', (text) => {
    expect(parseSendAt(text)).toBeUndefined();
  });
});
