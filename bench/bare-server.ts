/**
 * The baseline: a bare NestJS 11 + Fastify 5 application with one route, `POST /bare`, that
 * validates the body exactly as `POST /v1/emails` does (`parseSendRequest`, with the limits of
 * config/default.yaml) and answers 202. No auth, no rate limit, no store, no logging, no worker.
 *
 *   PORT=3001 node -r ts-node/register/transpile-only bench/bare-server.ts
 *
 * The validation is loaded from dist/ (the compiled code the real server runs), not from src/.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/** The project root: given by bench/run.ts, which runs a compiled copy of this file from elsewhere. */
const DIST = join(process.env.MAILOVER_BENCH_ROOT ?? join(__dirname, '..'), 'dist');

async function main(): Promise<void> {
  const { parseSendRequest } = (await import(
    join(DIST, 'domain', 'send-request.js')
  )) as typeof import('../src/domain/send-request');
  const { loadConfig } = (await import(
    join(DIST, 'config', 'config.loader.js')
  )) as typeof import('../src/config/config.loader');
  const config = loadConfig({});
  const limits = config.limits;

  @Controller()
  class BareController {
    @Post('bare')
    @HttpCode(202)
    send(@Body() body: unknown): { status: string } {
      parseSendRequest(body, limits);
      return { status: 'queued' };
    }
  }

  @Module({ controllers: [BareController] })
  class BareModule {}

  const app = await NestFactory.create<NestFastifyApplication>(
    BareModule,
    new FastifyAdapter({ bodyLimit: config.server.bodyLimitBytes }),
    { logger: ['error', 'warn'] },
  );
  await app.listen(Number(process.env.PORT ?? 3001), '127.0.0.1');
}

void main();
