import { applyDecorators, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiSecurity } from '@nestjs/swagger';

export type Scope = 'send' | 'read' | 'admin';

export const SCOPE_METADATA = 'mailover:scope';
export const PUBLIC_METADATA = 'mailover:public';
export const ADDRESS_LIMITED_METADATA = 'mailover:address-limited';

/** The OpenAPI security scheme of signed requests (see swagger-signing.ts). */
export const SIGNATURE_SECURITY = 'mailover-signature';

/**
 * The route needs a signed request from a key with this scope. The guard and the Swagger
 * security entry come from this one decorator, so they cannot drift apart.
 */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(SCOPE_METADATA, scope), ApiSecurity(SIGNATURE_SECURITY));
}

/** The route needs no key (health probes). */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_METADATA, true);
}

/**
 * A provider's webhook: no Mailover key (the provider's own scheme is checked by the route), but
 * rate limited by client address (`rateLimit.webhooks`) before anything is verified.
 */
export function ProviderWebhookRoute(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(PUBLIC_METADATA, true),
    SetMetadata(ADDRESS_LIMITED_METADATA, true),
  );
}

export function isAddressLimited(reflector: Reflector, context: ExecutionContext): boolean {
  return !!reflector.getAllAndOverride<boolean>(ADDRESS_LIMITED_METADATA, [
    context.getHandler(),
    context.getClass(),
  ]);
}

export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return !!reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [
    context.getHandler(),
    context.getClass(),
  ]);
}

export function requiredScope(reflector: Reflector, context: ExecutionContext): Scope | undefined {
  return reflector.getAllAndOverride<Scope>(SCOPE_METADATA, [
    context.getHandler(),
    context.getClass(),
  ]);
}
