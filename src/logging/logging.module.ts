import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/config.schema';

/**
 * Structured JSON logs (pino). Requests are logged as method, path, status and time only:
 * no headers, no query strings, no bodies, so neither secrets nor message content reach a log.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logging.level,
          transport: config.logging.pretty
            ? { target: 'pino/file', options: { destination: 1 } }
            : undefined,
          autoLogging: config.logging.requests !== 'none' && {
            ignore: (req) => (req.url ?? '').startsWith('/health'),
          },
          customLogLevel: (_req, res, err) =>
            err || res.statusCode >= 500
              ? 'error'
              : res.statusCode >= 400
                ? 'warn'
                : config.logging.requests === 'all'
                  ? 'info'
                  : 'silent',
          quietReqLogger: true,
          serializers: {
            req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
              id: req.id,
              method: req.method,
              path: String(req.url).split('?')[0],
            }),
            res: (res: { statusCode: number }) => ({ status: res.statusCode }),
          },
          redact: {
            paths: ['req.headers', 'headers', '*.secret', '*.apiKey', '*.pass', 'err.config'],
            remove: true,
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
