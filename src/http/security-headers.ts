import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Swagger UI and the OpenAPI document. */
const DOCS_PATH = /^\/docs(?:[/?-]|$)/;
/** Inline scripts of a page we serve (no attributes: ours, from Nest's Swagger template). */
const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/**
 * The Content-Security-Policy of /docs: scripts from this origin and the page's own inline
 * scripts (the signing script) by hash, nothing framed, nothing else loaded. Swagger UI sets
 * inline styles from React, hence 'unsafe-inline' for styles only.
 */
export function docsPolicy(html: string): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Every answer names its request id (`X-Request-Id`, ours, never the client's) so an operator
 * can find its log line, and is never sniffed as another media type; /docs also gets a CSP and
 * frame denial. Call once, after NestFactory.create.
 */
export function installSecurityHeaders(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id).header('X-Content-Type-Options', 'nosniff');
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (DOCS_PATH.test(request.url)) {
      void reply
        .header('Content-Security-Policy', docsPolicy(typeof payload === 'string' ? payload : ''))
        .header('X-Frame-Options', 'DENY')
        .header('Referrer-Policy', 'no-referrer');
    }
    done(null, payload);
  });
}
