import {
  bodySha256,
  EMPTY_BODY_SHA256,
  newNonce,
  NONCE_PATTERN,
  sign,
  signRequest,
  stringToSign,
  verify,
  verifyRequest,
  type ReceivedRequest,
} from './signing';

// Known vector, computed independently with coreutils and OpenSSL:
//   B=$(printf '{"to":"a@example.com"}' | sha256sum | cut -d' ' -f1)
//   printf 'v1\n1700000000\nAbCdEfGhIjKlMnOp_-12\nPOST\n/v1/emails?dry=1\n%s' "$B" \
//     | openssl dgst -sha256 -hmac 'test-secret-0123456789'
const SECRET = 'test-secret-0123456789';
const BODY = '{"to":"a@example.com"}';
const BODY_SHA256 = 'f95fee0618873f938822083faa736b0867c63ed733bb897f2a28034025512719';
const PARTS = {
  timestamp: '1700000000',
  nonce: 'AbCdEfGhIjKlMnOp_-12',
  method: 'post',
  target: '/v1/emails?dry=1',
  body: BODY,
};
const SIGNATURE = 'v1=e3a282e58b130aafee5cdfc8c9f2dc93d494391c978af4a89ed426d370fd992f';
// The same for a bodyless GET /v1/providers.
const GET_SIGNATURE = 'v1=1a9b61153b9f727b2e6f3ad3e3296aae7737b01a9fbb66e5400ae78bee746f70';

describe('signing (v1)', () => {
  it('hashes the body, and the empty string when there is none', () => {
    expect(bodySha256(BODY)).toBe(BODY_SHA256);
    expect(bodySha256(Buffer.from(BODY))).toBe(BODY_SHA256);
    expect(EMPTY_BODY_SHA256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(bodySha256(undefined)).toBe(EMPTY_BODY_SHA256);
    expect(bodySha256(Buffer.alloc(0))).toBe(EMPTY_BODY_SHA256);
  });

  it('builds the six-line string-to-sign with no trailing newline', () => {
    expect(stringToSign(PARTS)).toBe(
      `v1\n1700000000\nAbCdEfGhIjKlMnOp_-12\nPOST\n/v1/emails?dry=1\n${BODY_SHA256}`,
    );
  });

  it('matches the known vector', () => {
    expect(sign(SECRET, PARTS)).toBe(SIGNATURE);
    expect(
      sign(SECRET, { ...PARTS, method: 'GET', target: '/v1/providers', body: undefined }),
    ).toBe(GET_SIGNATURE);
  });

  it('verifies the right signature and nothing else', () => {
    expect(verify(SECRET, PARTS, SIGNATURE)).toBe(true);
    expect(verify(SECRET, PARTS, SIGNATURE.replace(/.$/, '0'))).toBe(false);
    expect(verify(SECRET, PARTS, SIGNATURE.slice(0, -1))).toBe(false);
    expect(verify(`${SECRET}x`, PARTS, SIGNATURE)).toBe(false);
    expect(verify(SECRET, { ...PARTS, body: `${BODY} ` }, SIGNATURE)).toBe(false);
    expect(verify(SECRET, { ...PARTS, target: '/v1/emails?dry=2' }, SIGNATURE)).toBe(false);
  });

  it('signRequest returns the four headers for the same vector', () => {
    expect(
      signRequest({
        keyId: 'app-1',
        secret: SECRET,
        method: 'POST',
        target: '/v1/emails?dry=1',
        body: BODY,
        timestamp: 1700000000,
        nonce: PARTS.nonce,
      }),
    ).toEqual({
      'X-Mailover-Key': 'app-1',
      'X-Mailover-Timestamp': '1700000000',
      'X-Mailover-Nonce': PARTS.nonce,
      'X-Mailover-Signature': SIGNATURE,
    });
  });

  it('makes fresh nonces that satisfy the nonce rule', () => {
    const a = newNonce();
    expect(a).toMatch(NONCE_PATTERN);
    expect(newNonce()).not.toBe(a);
  });
});

describe('verifyRequest', () => {
  const secrets: Record<string, string> = { 'app-1': SECRET };
  const options = {
    secretOf: (id: string) => secrets[id],
    nowSeconds: 1700000000,
    maxSkewSeconds: 300,
  };
  const received = (headers: Record<string, string | undefined>): ReceivedRequest => ({
    method: 'POST',
    target: '/v1/emails?dry=1',
    body: Buffer.from(BODY),
    headers: {
      'x-mailover-key': 'app-1',
      'x-mailover-timestamp': PARTS.timestamp,
      'x-mailover-nonce': PARTS.nonce,
      'x-mailover-signature': SIGNATURE,
      ...headers,
    },
  });

  it('accepts the known vector', () => {
    expect(verifyRequest(received({}), options)).toEqual({
      ok: true,
      keyId: 'app-1',
      nonce: PARTS.nonce,
      timestamp: 1700000000,
    });
  });

  it.each([
    ['no key', { 'x-mailover-key': undefined }, 'X-Mailover-Key'],
    ['a non-numeric timestamp', { 'x-mailover-timestamp': '17e8' }, 'X-Mailover-Timestamp'],
    ['a short nonce', { 'x-mailover-nonce': 'abc' }, 'X-Mailover-Nonce'],
    ['a nonce with a dot', { 'x-mailover-nonce': 'AbCdEfGhIjKlMnOp.12' }, 'X-Mailover-Nonce'],
    ['upper-case hex', { 'x-mailover-signature': SIGNATURE.toUpperCase() }, 'X-Mailover-Signature'],
    ['no version', { 'x-mailover-signature': SIGNATURE.slice(3) }, 'X-Mailover-Signature'],
  ])('calls %s malformed, naming the header', (_name, headers, named) => {
    const result = verifyRequest(received(headers), options);
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
    expect(result.ok === false && result.reason === 'malformed' && result.detail).toContain(named);
  });

  it('refuses timestamps further than the window from the server clock, saying so', () => {
    expect(verifyRequest(received({}), { ...options, nowSeconds: 1700000300 }).ok).toBe(true);
    const late = verifyRequest(received({}), { ...options, nowSeconds: 1700000301 });
    expect(late).toMatchObject({ ok: false, reason: 'skew', skewSeconds: -301 });
    expect(late.ok === false && late.reason === 'skew' && late.detail).toMatch(
      /301 s behind the server clock; at most 300 s/,
    );
    const early = verifyRequest(received({}), { ...options, nowSeconds: 1699999699 });
    expect(early).toMatchObject({ ok: false, reason: 'skew', skewSeconds: 301 });
  });

  it('answers the same for an unknown key and a wrong signature', () => {
    const unknown = verifyRequest(received({ 'x-mailover-key': 'app-2' }), options);
    const wrong = verifyRequest(
      received({ 'x-mailover-signature': SIGNATURE.replace(/.$/, '0') }),
      options,
    );
    expect(unknown).toEqual({ ok: false, reason: 'unauthenticated' });
    expect(wrong).toEqual(unknown);
  });

  it('refuses a request whose body, method or target changed', () => {
    const changed = (r: Partial<ReceivedRequest>) =>
      verifyRequest({ ...received({}), ...r }, options).ok;
    expect(changed({ body: Buffer.from(BODY.replace('a@', 'b@')) })).toBe(false);
    expect(changed({ method: 'PUT' })).toBe(false);
    expect(changed({ target: '/v1/emails' })).toBe(false);
  });

  it('ignores repeated headers rather than choosing one', () => {
    const request = received({});
    request.headers['x-mailover-key'] = ['app-1', 'app-1'];
    expect(verifyRequest(request, options)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
