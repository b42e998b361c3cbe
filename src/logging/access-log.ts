import { Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type Logger } from 'pino';
import { LoggingConfig } from '../config/config.schema';

/**
 * The process's one pino logger, and the access log written from it. An access line is written
 * from Fastify's onResponse hook with the method, path, status, time and request id only: no
 * headers, no query string, no body, so neither secrets nor message content reach a log. (A
 * pino-http child logger per request, set up whether or not the line is written, cost a tenth of
 * the server's CPU at load.)
 */
@Injectable()
export class AccessLog {
  readonly logger: Logger;

  constructor(private readonly config: LoggingConfig) {
    this.logger = pino({
      level: config.level,
      // pino-pretty in pino's transport thread: readable lines for a terminal, after redaction.
      transport: config.pretty
        ? {
            target: 'pino-pretty',
            options: { destination: 1, translateTime: 'SYS:standard', ignore: 'pid,hostname' },
          }
        : undefined,
      redact: {
        paths: ['req.headers', 'headers', '*.secret', '*.apiKey', '*.pass', 'err.config'],
        remove: true,
      },
    });
  }

  install(app: NestFastifyApplication): void {
    const mode = this.config.requests;
    if (mode === 'none') return;
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onResponse', (request, reply, done) => {
        const status = reply.statusCode;
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
        if (level === 'info' && mode !== 'all') return done();
        const path = request.url.split('?')[0];
        if (path.startsWith('/health')) return done();
        this.logger[level](
          {
            req: { id: request.id, method: request.method, path },
            res: { status },
            responseTime: Math.round(reply.elapsedTime),
          },
          status >= 500 ? 'request errored' : 'request completed',
        );
        done();
      });
  }
}
