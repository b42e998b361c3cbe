import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { SIGNATURE_SECURITY } from './auth/auth.decorators';
import { installSignedBodyParsers } from './auth/signed-body.parsers';
import { signatureSecurityScheme, swaggerSigningOptions } from './auth/swagger-signing';
import type { AppConfig } from './config/config.schema';
import { installConsole } from './console/console.static';
import { ProblemFilter } from './http/problem.filter';
import { installSecurityHeaders } from './http/security-headers';
import { describeSendRequests } from './http/send-request.openapi';
import { AccessLog } from './logging/access-log';
import { installHttpMetrics } from './metrics/http-metrics';
import type { ProviderRegistry } from './providers/provider.registry';

/**
 * Builds the whole application (used by main.ts, the e2e tests and the benchmark). `registry`
 * must be the one `loadConfig` validated the providers with (default: the shipped plug-ins).
 */
export async function createApp(
  config: AppConfig,
  registry?: ProviderRegistry,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.bodyLimitBytes,
    // Slow clients are cut off: a body trickled in byte by byte must not hold a connection.
    requestTimeout: config.server.requestTimeoutMs,
    connectionTimeout: config.server.connectionTimeoutMs,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(config.server.headersTimeoutMs, config.server.requestTimeoutMs),
      // Node checks the two timeouts above at this interval (30 s by default).
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1000, Math.floor(config.server.requestTimeoutMs / 4)),
      ),
    },
    trustProxy: config.server.trustedProxies.length ? config.server.trustedProxies : false,
    // Ids of our own; request ids from clients are not trusted.
    genReqId: () => crypto.randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, registry),
    adapter,
    {
      rawBody: true,
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  app.get(AccessLog).install(app);
  installHttpMetrics(app);
  installSecurityHeaders(app);
  app.useGlobalFilters(new ProblemFilter(config.server.bodyLimitBytes));
  installSignedBodyParsers(app);
  // Provider webhooks have their own, smaller body limit (413 above it), set as their routes register.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      if (route.url.startsWith('/v1/webhooks/'))
        route.bodyLimit = config.events.webhookBodyLimitBytes;
    });

  // A worker-only process serves health and metrics alone: no API, so no API docs.
  if (config.server.role === 'worker') return app;
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
  describeSendRequests(document, config.limits);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    ...swaggerSigningOptions(),
  });
  if (config.server.consolePath !== false) installConsole(app, config.server.consolePath);
  return app;
}
