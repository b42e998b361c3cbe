import { getMetadataStorage } from 'class-validator';
import type { ProviderConfig } from './provider.options';
import type { EmailProvider } from '../domain/provider';
import { mailgunPlugin } from './mailgun/mailgun.plugin';
import { mandrillPlugin } from './mandrill/mandrill.plugin';
import { postmarkPlugin } from './postmark/postmark.plugin';
import type { ProviderPlugin, ProviderRuntime } from './provider.plugin';
import { resendPlugin } from './resend/resend.plugin';
import { sandboxPlugin } from './sandbox/sandbox.plugin';
import { sendgridPlugin } from './sendgrid/sendgrid.plugin';
import { sesPlugin } from './ses/ses.plugin';
import { smtpPlugin } from './smtp/smtp.plugin';
import { sparkpostPlugin } from './sparkpost/sparkpost.plugin';

/** Every provider Mailover ships: adding a vendor is its folder and one line here. */
export const PROVIDER_PLUGINS: readonly ProviderPlugin[] = [
  mailgunPlugin,
  sendgridPlugin,
  sesPlugin,
  postmarkPlugin,
  mandrillPlugin,
  sparkpostPlugin,
  resendPlugin,
  smtpPlugin,
  sandboxPlugin,
];

/** One setting of a plug-in's options class, as validation (and the README) sees it. */
export interface PluginSetting {
  name: string;
  optional: boolean;
}

/**
 * The plug-ins one process knows: the shipped ones by default, more in tests. Config validation,
 * the list of types, the adapter factory and the README's table all read it.
 */
export class ProviderRegistry {
  private readonly byType = new Map<string, ProviderPlugin>();

  constructor(readonly plugins: readonly ProviderPlugin[] = PROVIDER_PLUGINS) {
    for (const plugin of plugins) {
      if (this.byType.has(plugin.type))
        throw new Error(`two provider plug-ins have the type ${plugin.type}`);
      this.byType.set(plugin.type, plugin);
    }
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  find(type: unknown): ProviderPlugin | undefined {
    return typeof type === 'string' ? this.byType.get(type) : undefined;
  }

  /** Builds the adapter of validated options; the loader has checked the type. */
  create(options: ProviderConfig, runtime: ProviderRuntime): EmailProvider {
    const plugin = this.find(options.type);
    if (!plugin) throw new Error(`no provider plug-in has the type ${options.type}`);
    return plugin.create(options, runtime);
  }
}

/**
 * The settings an options class declares (its own and inherited), in declaration order, from its
 * class-validator decorators: exactly what the loader's whitelist accepts.
 */
export function settingsOf(options: new () => ProviderConfig): PluginSetting[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(options, '', true, false);
  const settings = new Map<string, PluginSetting>();
  for (const m of metadata) {
    const setting = settings.get(m.propertyName) ?? { name: m.propertyName, optional: false };
    if (m.type === 'conditionalValidation' && m.name === 'isOptional') setting.optional = true;
    settings.set(m.propertyName, setting);
  }
  return [...settings.values()];
}
