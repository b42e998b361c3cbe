import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { SIGNATURE_SECURITY } from './auth/auth.decorators';
import { installSignedBodyParsers } from './auth/signed-body.parsers';
import { signatureSecurityScheme, swaggerSigningOptions } from './auth/swagger-signing';
import type { AppConfig } from './config/config.schema';
import { ProblemFilter } from './http/problem.filter';
import { installSecurityHeaders } from './http/security-headers';
import { AccessLog } from './logging/access-log';

/** Builds the whole application (used by main.ts, the e2e tests and the benchmark). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustedProxies.length ? config.server.trustedProxies : false,
    // Ids of our own; request ids from clients are not trusted.
    genReqId: () => crypto.randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    rawBody: true,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.get(AccessLog).install(app);
  installSecurityHeaders(app);
  app.useGlobalFilters(new ProblemFilter());
  installSignedBodyParsers(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mailover')
      .setDescription(
        'Self-hosted email gateway: send through several providers with failover, durably.',
      )
      .setVersion('1')
      .addSecurity(SIGNATURE_SECURITY, signatureSecurityScheme)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    ...swaggerSigningOptions(),
  });
  return app;
}
