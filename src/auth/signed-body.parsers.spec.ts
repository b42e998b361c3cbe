import { InvalidInputError } from '../domain/errors';
import { formFields, jsonDepthExceeds, MAX_FORM_FIELDS } from './signed-body.parsers';

describe('formFields', () => {
  it('collects a repeated field into one array, in order', () => {
    const body = Buffer.from(Array.from({ length: MAX_FORM_FIELDS }, (_, i) => `a=${i}`).join('&'));
    const fields = formFields(body);
    expect(fields.a).toHaveLength(MAX_FORM_FIELDS);
    expect((fields.a as string[]).slice(0, 3)).toEqual(['0', '1', '2']);
  });

  it('keeps single fields as strings and __proto__ as a plain field', () => {
    const fields = formFields(Buffer.from('to=ann%40example.com&__proto__=x&subject=Hi'));
    expect(fields).toEqual({ to: 'ann@example.com', subject: 'Hi', ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
  });

  it('refuses more than 1,000 fields before decoding any', () => {
    expect(() => formFields(Buffer.from('a=&'.repeat(MAX_FORM_FIELDS)))).toThrow(InvalidInputError);
  });
});

describe('jsonDepthExceeds', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepthExceeds(Buffer.from('[[[]]]'), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('[[[[]]]]'), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":"[[[[[[\\"[[[["}'), 1)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('[{"a":[{}]}]'), 4)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('[{"a":[{}]}]'), 3)).toBe(true);
  });
});
