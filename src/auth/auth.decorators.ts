import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export type Scope = 'send' | 'read' | 'admin';

export const SCOPE_METADATA = 'mailover:scope';
export const PUBLIC_METADATA = 'mailover:public';

/**
 * The route needs a signed request from a key with this scope. The guard and the Swagger
 * security entry come from this one decorator, so they cannot drift apart.
 */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(SCOPE_METADATA, scope), ApiSecurity('mailover-signature'));
}

/** The route needs no key (health probes). */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_METADATA, true);
}
