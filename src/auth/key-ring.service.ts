import { Injectable } from '@nestjs/common';
import type { Scope } from './auth.decorators';
import { AuthConfig } from '../config/config.schema';

/** An enabled API key as the rest of the server sees it (the secret stays inside the ring). */
export interface ApiKey {
  id: string;
  /** Whose emails the key creates and sees: `auth.keys[].tenant`, else the key's id. */
  tenant: string;
  scopes: ReadonlySet<Scope>;
}

/** The configured API keys. Disabled keys are absent, so they answer exactly as unknown ones. */
@Injectable()
export class KeyRing {
  readonly #keys = new Map<string, { key: ApiKey; secret: string }>();

  constructor(config: AuthConfig) {
    for (const k of config.keys) {
      if (k.disabled) continue;
      this.#keys.set(k.id, {
        key: { id: k.id, tenant: k.tenant ?? k.id, scopes: new Set(k.scopes) },
        secret: k.secret.reveal(),
      });
    }
  }

  /** The secret of an enabled key, for signature checks only. */
  secretOf(keyId: string): string | undefined {
    return this.#keys.get(keyId)?.secret;
  }

  get(keyId: string): ApiKey | undefined {
    return this.#keys.get(keyId)?.key;
  }
}
