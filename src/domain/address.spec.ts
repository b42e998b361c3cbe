import { addressProblem, parseAddress } from './address';

describe('parseAddress', () => {
  it.each([
    ['ann@example.com', { email: 'ann@example.com' }],
    ['Ann Lee <ann@example.com>', { email: 'ann@example.com', name: 'Ann Lee' }],
    ['"Lee, Ann" <ann@example.com>', { email: 'ann@example.com', name: 'Lee, Ann' }],
    ['  <ann@example.com>  ', { email: 'ann@example.com' }],
    [
      { email: 'bob@example.com', name: 'Bob' },
      { email: 'bob@example.com', name: 'Bob' },
    ],
    [{ email: 'bob@example.com' }, { email: 'bob@example.com' }],
  ])('reads %j', (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
  });

  it.each([
    ['Ann\r\nBcc: evil@x.test <ann@example.com>', 'must not contain control characters'],
    ['ann@example.com\r\nBcc: evil@x.test', 'must not contain control characters'],
    [
      { email: 'a@b.co', name: 'x\u0000' },
      'name must not contain control characters or bidi overrides',
    ],
    [
      { email: 'a@b.co', name: 'x\u0085' },
      'name must not contain control characters or bidi overrides',
    ],
    [
      'Ann \u202eeil\u202c <ann@example.com>',
      'name must not contain control characters or bidi overrides',
    ],
    [
      { email: 'a@b.co', name: 'Ann \u2066x\u2069' },
      'name must not contain control characters or bidi overrides',
    ],
    [{ email: 'a@b.co', extra: 1 }, 'unknown field extra'],
    [42, 'must be an address string or {email, name}'],
    ['not-an-address', 'must be an email address like name@example.com'],
    ['ann@localhost', 'has an invalid domain'],
    ['ann..lee@example.com', 'has an invalid local part'],
  ])('refuses %j', (input, problem) => {
    expect(parseAddress(input)).toBe(problem);
  });
});

describe('addressProblem (RFC 5321 lengths)', () => {
  it('accepts a 64-octet local part and refuses 65', () => {
    expect(addressProblem(`${'a'.repeat(64)}@example.com`)).toBeUndefined();
    expect(addressProblem(`${'a'.repeat(65)}@example.com`)).toMatch(
      /local part must be at most 64/,
    );
  });

  it('refuses an address over 254 octets', () => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.${'h'.repeat(10)}.com`;
    expect(addressProblem(`abc@${domain}`)).toMatch(/at most 254 octets/);
  });
});
