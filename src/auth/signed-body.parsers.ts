import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InvalidInputError } from '../domain/errors';
import {
  isSignedPath,
  isWebhookPath,
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
 * Both parsers are linear and bounded: at most MAX_FORM_FIELDS form fields and MAX_JSON_DEPTH
 * levels of JSON nesting, checked over the bytes before parsing (400 otherwise).
 * Open routes (health, docs, metrics) take no body: a request that could carry one is answered
 * 405 from onRequest, before a byte of it is read.
 * Call once, after NestFactory.create and before listen.
 */
export function installSignedBodyParsers(app: NestFastifyApplication): void {
  const authenticator = app.get(RequestAuthenticator);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  const json = fastify.getDefaultJsonParser('error', 'error');

  fastify.addHook('onRequest', (request, reply, done) => {
    if (isSignedPath(request.url) || BODYLESS_METHODS.has(request.method)) return done();
    // Connection: close, so that Node does not read an unread body to reuse the connection.
    void reply
      .code(405)
      .headers({
        allow: 'GET, HEAD',
        connection: 'close',
        'content-type': 'application/problem+json',
      })
      .send({
        type: 'https://mailover.dev/problems/method-not-allowed',
        title: 'Method not allowed',
        status: 405,
        detail: `${request.method} is not allowed here: this route takes no body (GET or HEAD)`,
        instance: request.url.split('?')[0],
      });
  });

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
      // A provider's webhook: its own scheme is verified over these bytes by the route.
      if (isWebhookPath(request.url)) return done(null, body);
      if (!isSignedPath(request.url)) return parse();
      // The signature only; the nonce is claimed by the auth guard, after the rate limit.
      if (authenticator.verify(request).ok) return parse();
      done(null, undefined);
    };

  app.useBodyParser(
    'application/json',
    {},
    parser((request, body) => {
      if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
        throw new InvalidInputError(
          [{ field: '', detail: `JSON must nest at most ${MAX_JSON_DEPTH} levels deep` }],
          'The body is nested too deeply.',
        );
      }
      let parsed: unknown;
      // Fastify's default JSON parser answers through its callback, at once; it returns nothing.
      void json(
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

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
/** Most fields a form body may have. */
export const MAX_FORM_FIELDS = 1000;
/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

const AMPERSAND = 0x26;

/**
 * A form body as an object; a repeated field becomes an array. Own properties only (no
 * prototype pollution). Fields are counted over the bytes before anything is decoded.
 */
export function formFields(body: Buffer): Record<string, string | string[]> {
  let fields = 1;
  for (let at = body.indexOf(AMPERSAND); at !== -1; at = body.indexOf(AMPERSAND, at + 1)) {
    if (++fields > MAX_FORM_FIELDS) {
      throw new InvalidInputError(
        [{ field: '', detail: `a form must have at most ${MAX_FORM_FIELDS} fields` }],
        'The form has too many fields.',
      );
    }
  }
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const seen = values.get(name);
    if (seen) seen.push(value);
    else values.set(name, [value]);
  }
  // Object.fromEntries defines own properties: a field named __proto__ stays a plain field.
  return Object.fromEntries(
    [...values].map(([name, list]) => [name, list.length === 1 ? list[0] : list]),
  );
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the JSON text nests arrays and objects deeper than `max`; one pass over the bytes. */
export function jsonDepthExceeds(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}
