import { webcrypto } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { verifyRequest } from '../domain/signing';
import { SIGNING_SCRIPT, swaggerSigningOptions } from './swagger-signing';

interface PageRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Loads the page script into a fresh global, as a browser would; with or without WebCrypto. */
function page(secureContext: boolean): (request: PageRequest) => Promise<PageRequest> {
  const global: Record<string, unknown> = {
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    FormData,
    Blob,
    atob,
    btoa,
    isSecureContext: secureContext,
    location: { href: 'http://mailover.lan:3000/docs/' },
    crypto: secureContext
      ? webcrypto
      : { getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) },
  };
  global.window = global;
  runInNewContext(SIGNING_SCRIPT, global);
  return global.mailoverSignRequest as (request: PageRequest) => Promise<PageRequest>;
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;

function verifies(request: PageRequest, secret: string) {
  const url = new URL(request.url);
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return verifyRequest(
    {
      method: request.method,
      target: url.pathname + url.search,
      headers,
      body: (request.body as string) ?? '',
    },
    { secretOf: () => secret, nowSeconds: Math.floor(Date.now() / 1000), maxSkewSeconds: 300 },
  );
}

describe.each([
  ['WebCrypto (a secure context)', true],
  ['the plain-JavaScript SHA-256 (plain http on a LAN name)', false],
])('the /docs page signs requests with %s', (_name, secure) => {
  const sign = page(secure);

  it('turns the Authorize credentials into a valid signature and drops them', async () => {
    const body = JSON.stringify({
      from: 'ops@acme.test',
      to: ['ann@example.com'],
      subject: 'Grüße',
      text: '✓',
    });
    const signed = await sign({
      url: 'http://mailover.lan:3000/v1/emails?dry=1',
      method: 'post',
      headers: {
        Authorization: basic('docs-key', 'docs-secret-0123456789'),
        'Content-Type': 'application/json',
      },
      body,
    });
    expect(signed.headers.Authorization).toBeUndefined();
    expect(JSON.stringify(signed)).not.toContain('docs-secret-0123456789');
    expect(signed.headers['X-Mailover-Key']).toBe('docs-key');
    expect(verifies(signed, 'docs-secret-0123456789')).toMatchObject({
      ok: true,
      keyId: 'docs-key',
    });
  });

  it('agrees with the server for any body, secret and path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
        fc.webPath(),
        fc.constantFrom('GET', 'POST', 'DELETE'),
        async (body, secret, path, method) => {
          const signed = await sign({
            url: `http://mailover.lan:3000${path || '/'}`,
            method,
            headers: { authorization: basic('k', secret) },
            body: body === '' ? undefined : body,
          });
          expect(verifies(signed, secret).ok).toBe(true);
        },
      ),
      { numRuns: secure ? 50 : 200 },
    );
  });

  it('leaves a request without credentials unsigned', async () => {
    const request = { url: 'http://mailover.lan:3000/docs-json', method: 'GET', headers: {} };
    expect(await sign(request)).toEqual({
      url: 'http://mailover.lan:3000/docs-json',
      method: 'GET',
      headers: {},
    });
  });
});

it('wires the interceptor into the Swagger UI options as source text', () => {
  const options = swaggerSigningOptions();
  const interceptor = (options.swaggerOptions as { requestInterceptor: () => unknown })
    .requestInterceptor;
  expect(interceptor.toString()).toMatch(/return window\.mailoverSignRequest\(request\);/);
  expect(options.customJsStr).toBe(SIGNING_SCRIPT);
});
