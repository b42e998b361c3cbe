import { REDACTED, Redactor, secretForms } from './redact';

describe('Redactor', () => {
  const key = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const pass = 'smtp p@ss/wörd+1';
  const redactor = new Redactor([{ secret: key }, { secret: pass, user: 'mailer@acme.test' }]);
  const b64 = (t: string) => Buffer.from(t).toString('base64');

  it.each([
    ['raw', key],
    ['base64 of api:<key> (Basic auth)', b64(`api:${key}`)],
    ['base64 of the key alone', b64(key)],
    ['base64 without padding', b64(key).replace(/=+$/, '')],
    ['URL-safe base64', Buffer.from(`api:${key}`).toString('base64url')],
    ['URL-encoded', encodeURIComponent(pass)],
    ['base64 of user:secret', b64(`mailer@acme.test:${pass}`)],
    ['SMTP AUTH PLAIN', b64(`\0mailer@acme.test\0${pass}`)],
    ['a raw password with spaces', pass],
  ])('removes the %s form from a text', (_name, form) => {
    const text = `401 Unauthorized: got "Authorization: Basic ${form}" (${form})`;
    const redacted = redactor.redact(text);
    expect(redacted).toBe(`401 Unauthorized: got "Authorization: Basic ${REDACTED}" (${REDACTED})`);
  });

  it('leaves other text alone, and passes undefined through', () => {
    expect(redactor.redact('550 5.1.1 user unknown')).toBe('550 5.1.1 user unknown');
    expect(redactor.redact(undefined)).toBeUndefined();
    expect(new Redactor([]).redact('anything')).toBe('anything');
  });

  it('ignores secrets too short to search for safely', () => {
    expect(secretForms({ secret: 'abc' })).toEqual([]);
  });
});
