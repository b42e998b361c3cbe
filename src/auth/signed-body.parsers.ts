import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  isSignedPath,
  RequestAuthenticator,
  type SignedRequest,
} from './request-authenticator.service';

type Decode = (request: SignedRequest, body: Buffer) => unknown;

/**
 * Replaces Nest's body parsers so that a signed request's raw bytes are verified before they are
 * parsed: an unsigned request with a malformed body gets 401, not a parse error. Bodies arrive
 * as Buffers after Fastify's body-size limit (413) and are kept as `request.rawBody`. A body
 * that fails verification is not parsed at all; the guard then answers 401 (or 429).
 * Only JSON and form bodies are accepted; any other media type answers 415, after verification.
 * Call once, after NestFactory.create and before listen.
 */
export function installSignedBodyParsers(app: NestFastifyApplication): void {
  const authenticator = app.get(RequestAuthenticator);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  const json = fastify.getDefaultJsonParser('error', 'error');

  const parser =
    (decode: Decode) =>
    (request: SignedRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const parse = () => {
        try {
          done(null, decode(request, body));
        } catch (e) {
          done(e as Error);
        }
      };
      if (!isSignedPath(request.url)) return parse();
      // The signature only; the nonce is claimed by the auth guard, after the rate limit.
      if (authenticator.verify(request).ok) return parse();
      done(null, undefined);
    };

  app.useBodyParser(
    'application/json',
    {},
    parser((request, body) => {
      let parsed: unknown;
      json(
        request as unknown as Parameters<typeof json>[0],
        body.toString('utf8'),
        (err, value) => {
          if (err) throw err;
          parsed = value;
        },
      );
      return parsed;
    }),
  );
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    {},
    parser((_request, body) => formFields(body)),
  );
  app.useBodyParser(
    '*',
    {},
    parser((request) => {
      throw Object.assign(
        new Error(`Unsupported Media Type: ${String(request.headers['content-type'] ?? 'none')}`),
        {
          statusCode: 415,
        },
      );
    }),
  );
}

/** A form body as an object; a repeated field becomes an array. Own properties only (no prototype pollution). */
function formFields(body: Buffer): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const seen = fields.get(name);
    fields.set(
      name,
      seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value],
    );
  }
  return Object.fromEntries(fields);
}
