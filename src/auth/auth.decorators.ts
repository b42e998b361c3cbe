import { applyDecorators, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiSecurity } from '@nestjs/swagger';

export type Scope = 'send' | 'read' | 'admin';

export const SCOPE_METADATA = 'mailover:scope';
export const PUBLIC_METADATA = 'mailover:public';
export const ADDRESS_LIMITED_METADATA = 'mailover:address-limited';
export const NONCE_WITH_WRITE_METADATA = 'mailover:nonce-with-write';

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

/**
 * A route whose write records the request's nonce itself, in the transaction that stores what it
 * sends (the principal carries it; see NonceStore.recordedWithWrites). A replay is still refused
 * 401, by that transaction rather than before the handler; the route must write nothing else.
 */
export function NonceWithWrite(): MethodDecorator {
  return SetMetadata(NONCE_WITH_WRITE_METADATA, true);
}

export function nonceWithWrite(reflector: Reflector, context: ExecutionContext): boolean {
  return !!reflector.get<boolean>(NONCE_WITH_WRITE_METADATA, context.getHandler());
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
