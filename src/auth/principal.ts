import type { NonceClaim } from '../store/email.store';
import type { Scope } from './auth.decorators';

/** Who signed the request; the auth guard puts it on the request. */
export interface Principal {
  keyId: string;
  /** The key's tenant: the emails it creates are theirs, and it sees only theirs (unless admin). */
  tenant: string;
  scopes: Scope[];
  /**
   * The request's nonce, not yet recorded: the route (`@NonceWithWrite()`) passes it to the store
   * with its write, which refuses a replay. Absent once the guard has recorded it.
   */
  nonce?: NonceClaim;
}

export function principalOf(request: unknown): Principal | undefined {
  return (request as { principal?: Principal }).principal;
}

/** Called by the auth guard once the request is authenticated. */
export function setPrincipal(request: object, principal: Principal): void {
  (request as { principal?: Principal }).principal = principal;
}

/** The tenant whose data the caller sees: its key's, or every tenant's (undefined) for admin keys. */
export function visibleTenant(request: unknown): string | undefined {
  const principal = principalOf(request)!;
  return principal.scopes.includes('admin') ? undefined : principal.tenant;
}
