/**
 * The baseline: a bare NestJS 11 + Fastify 5 application with one route, `POST /bare`, that
 * validates the body exactly as `POST /v1/emails` does (`parseSendRequest`, with the limits of
 * config/default.yaml) and answers 202. No auth, no rate limit, no store, no logging, no worker.
 *
 * And the floor of a durable answer: `POST /bare-durable` validates alike, then writes the body
 * as one row to SQLite (WAL, synchronous=FULL, in MAILOVER_DATA_DIR) and answers 202 once it is
 * committed; every request that arrived meanwhile shares the commit. One prepared INSERT, no
 * query builder, no recipients or tags rows: the least any durable gateway does per request.
 *
 *   PORT=3001 node -r ts-node/register/transpile-only bench/bare-server.ts
 *
 * The validation is loaded from dist/ (the compiled code the real server runs), not from src/.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  const commits = groupCommit(join(process.env.MAILOVER_DATA_DIR ?? '.', 'floor.db'));

  @Controller()
  class BareController {
    @Post('bare')
    @HttpCode(202)
    send(@Body() body: unknown): { status: string } {
      parseSendRequest(body, limits);
      return { status: 'queued' };
    }

    @Post('bare-durable')
    @HttpCode(202)
    async sendDurably(@Body() body: unknown): Promise<{ id: string; status: string }> {
      parseSendRequest(body, limits);
      const id = randomUUID();
      await commits(id, JSON.stringify(body));
      return { id, status: 'queued' };
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

/** Rows submitted in one turn of the event loop are inserted and committed together. */
function groupCommit(file: string): (id: string, body: string) => Promise<void> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists emails (id text primary key, body text not null)');
  const insert = db.prepare('insert into emails (id, body) values (?, ?)');
  const commit = db.transaction((rows: Array<[string, string]>) => {
    for (const row of rows) insert.run(...row);
  });
  let batch: Array<{ row: [string, string]; done: (error?: unknown) => void }> = [];
  return (id, body) =>
    new Promise<void>((resolve, reject) => {
      if (batch.length === 0) {
        setImmediate(() => {
          const taken = batch;
          batch = [];
          try {
            commit(taken.map((item) => item.row));
            for (const item of taken) item.done();
          } catch (error) {
            for (const item of taken) item.done(error);
          }
        });
      }
      batch.push({ row: [id, body], done: (error) => (error ? reject(error) : resolve()) });
    });
}

void main();
