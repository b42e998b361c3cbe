import { signRequest as serverSign } from '../../src/domain/signing';
import { newNonce, signRequest } from './signing';

describe("the console's signing (WebCrypto)", () => {
  it('signs the worked example of docs/signing.md', async () => {
    const headers = await signRequest({
      keyId: 'k',
      secret: 'test-secret-0123456789',
      method: 'post',
      target: '/v1/emails?dry=1',
      body: '{"to":"a@example.com"}',
      timestamp: 1700000000,
      nonce: 'AbCdEfGhIjKlMnOp_-12',
    });
    expect(headers).toEqual({
      'X-Mailover-Key': 'k',
      'X-Mailover-Timestamp': '1700000000',
      'X-Mailover-Nonce': 'AbCdEfGhIjKlMnOp_-12',
      'X-Mailover-Signature': 'v1=e3a282e58b130aafee5cdfc8c9f2dc93d494391c978af4a89ed426d370fd992f',
    });
  });

  it('agrees with the server for a bodyless GET with a query string and a fresh nonce', async () => {
    const nonce = newNonce();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const input = {
      keyId: 'k',
      secret: 's3cret-ünïcode',
      method: 'GET',
      target: '/v1/emails?limit=1',
    };
    const ours = await signRequest({ ...input, body: '', timestamp: 1800000000, nonce });
    const theirs = serverSign({ ...input, timestamp: 1800000000, nonce });
    expect(ours).toEqual(theirs);
  });
});
