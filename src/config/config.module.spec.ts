import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_CONFIGS } from '../providers/provider.options';
import { loadConfig } from './config.loader';
import { ConfigModule, MAILOVER_CONFIG, type MailoverConfigService } from './config.module';
import { AppConfig, DispatchConfig, LoggingConfig, ServerConfig } from './config.schema';

const dir = mkdtempSync(join(tmpdir(), 'mailover-config-module-'));
const file = join(dir, 'overlay.yaml');
writeFileSync(file, 'dispatch:\n  leaseMs: 20000\nserver:\n  port: 4001\n');
const config = loadConfig({ MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dir });

/** A consumer as the app writes them: sections injected by class. */
@Injectable()
class Consumer {
  constructor(
    readonly dispatch: DispatchConfig,
    readonly server: ServerConfig,
    @Inject(MAILOVER_CONFIG) readonly whole: AppConfig,
  ) {}
}

async function compiled() {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config)],
    providers: [Consumer],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('ConfigModule (@nestjs/config)', () => {
  it('holds the validated configuration in ConfigService under mailover.*', async () => {
    const moduleRef = await compiled();
    const service = moduleRef.get<MailoverConfigService>(ConfigService);
    expect(service.get('mailover', { infer: true })).toBe(config);
    expect(service.get('mailover.dispatch.leaseMs', { infer: true })).toBe(20_000);
    expect(service.get('mailover.server', { infer: true })).toBeInstanceOf(ServerConfig);
    await moduleRef.close();
  });

  it('injects each section by its class, the same objects ConfigService holds', async () => {
    const moduleRef = await compiled();
    const service = moduleRef.get<MailoverConfigService>(ConfigService);
    const consumer = moduleRef.get(Consumer);
    expect(consumer.dispatch).toBe(service.get('mailover.dispatch', { infer: true }));
    expect(consumer.dispatch.leaseMs).toBe(20_000);
    expect(consumer.server.port).toBe(4001);
    expect(consumer.whole).toBe(moduleRef.get(AppConfig));
    expect(moduleRef.get(LoggingConfig)).toBe(config.logging);
    expect(moduleRef.get(PROVIDER_CONFIGS)).toBe(config.providers);
    await moduleRef.close();
  });

  it('never answers from process.env: the loader is the one reader of the environment', async () => {
    const moduleRef = await compiled();
    const service = moduleRef.get<ConfigService>(ConfigService);
    expect(process.env.PATH).toBeDefined();
    expect(service.get('PATH')).toBeUndefined();
    await moduleRef.close();
  });
});
