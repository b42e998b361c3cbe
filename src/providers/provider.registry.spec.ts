import { plainToInstance } from 'class-transformer';
import { InlineTransport } from './http/inline-transport';
import { PROVIDER_PLUGINS, ProviderRegistry, settingsOf } from './provider.registry';

/** The least each shipped type needs to build its adapter. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  mailgun: { apiKey: 'k', domain: 'mg.example.test' },
  sendgrid: { apiKey: 'k' },
  ses: { region: 'eu-west-1', accessKeyId: 'a', secretAccessKey: 's' },
  postmark: { serverToken: 't' },
  mandrill: { apiKey: 'k' },
  sparkpost: { apiKey: 'k' },
  resend: { apiKey: 'k' },
  smtp: { host: '127.0.0.1' },
  sandbox: {},
};

describe('ProviderRegistry', () => {
  const registry = new ProviderRegistry();
  const http = new InlineTransport();
  afterAll(() => http.shutdown());

  it('lists the shipped types once each, in registry order', () => {
    expect(registry.types).toEqual(PROVIDER_PLUGINS.map((p) => p.type));
    expect(() => new ProviderRegistry([...PROVIDER_PLUGINS, PROVIDER_PLUGINS[0]])).toThrow(
      /two provider plug-ins have the type mailgun/,
    );
  });

  it.each(PROVIDER_PLUGINS.map((p) => [p.type, p] as const))(
    "builds %s's adapter, which reports its plug-in's type and capabilities",
    async (type, plugin) => {
      const options = plainToInstance(plugin.options, { id: `${type}-1`, type, ...REQUIRED[type] });
      const adapter = registry.create(options, { http });
      try {
        expect(adapter.id).toBe(`${type}-1`);
        expect(adapter.type).toBe(type);
        expect(adapter.capabilities).toEqual(plugin.capabilities);
      } finally {
        await adapter.close?.();
      }
    },
  );

  it('derives the accepted settings from the options class, common ones included', () => {
    const smtp = settingsOf(registry.find('smtp')!.options);
    expect(smtp.map((s) => s.name)).toEqual(
      expect.arrayContaining(['id', 'type', 'timeoutMs', 'host', 'requireTls']),
    );
    expect(smtp.find((s) => s.name === 'host')).toEqual({ name: 'host', optional: false });
    expect(smtp.find((s) => s.name === 'requireTls')).toEqual({
      name: 'requireTls',
      optional: true,
    });
  });
});
