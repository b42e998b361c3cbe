import { BlockList, isIP } from 'node:net';
import { addCidr } from '../domain/network';
import type { LegacyUnsignedConfig } from '../config/config.schema';
import { SIGNATURE_HEADERS } from '../domain/signing';

/**
 * `auth.legacyUnsigned`: the original `POST /email` without a signature, from these networks
 * only, as if sent by one configured key. Any request that carries a signature header is
 * checked as a signed request instead.
 */
export class LegacyUnsignedAccess {
  readonly #networks = new BlockList();

  constructor(readonly config: LegacyUnsignedConfig) {
    for (const cidr of config.allowFrom) addCidr(this.#networks, cidr);
  }

  /** True for an unsigned `POST /email` from an allowed address. */
  admits(request: {
    method: string;
    url: string;
    ip?: string;
    headers: Record<string, unknown>;
  }): boolean {
    if (request.method !== 'POST' || request.url.split('?')[0] !== '/email') return false;
    for (const name of Object.values(SIGNATURE_HEADERS)) {
      if (request.headers[name] !== undefined) return false;
    }
    return this.allows(request.ip);
  }

  private allows(ip: string | undefined): boolean {
    if (!ip) return false;
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    if (v4) return this.#networks.check(v4, 'ipv4');
    const family = isIP(ip);
    return family !== 0 && this.#networks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}
