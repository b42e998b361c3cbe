import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AccessLog } from './access-log';

/** Holds the root logger, so nestjs-pino and the access log write through one pino instance. */
@Module({ providers: [AccessLog], exports: [AccessLog] })
class RootLoggerModule {}

/**
 * Structured JSON logs (pino) for Nest's own logging, through nestjs-pino. Its per-request
 * middleware is not mounted (`forRoutes: []`): access lines come from AccessLog.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [AccessLog],
      useFactory: (access: AccessLog) => ({ pinoHttp: { logger: access.logger }, forRoutes: [] }),
    }),
  ],
  exports: [RootLoggerModule],
})
export class LoggingModule {}
