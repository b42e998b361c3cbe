import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../common/problem';
import { isPublic, nonceWithWrite, requiredScope } from './auth.decorators';
import { setPrincipal } from './principal';
import { type Authentication, RequestAuthenticator } from './request-authenticator.service';

/** Every route needs a signed request from an enabled key, unless it is `@Public()`; then the scope. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const auth = await this.authenticator.authenticate(
      request,
      nonceWithWrite(this.reflector, context),
    );
    if (!auth.ok) throw refusal(auth);
    const scope = requiredScope(this.reflector, context);
    if (scope && !auth.key.scopes.has(scope)) {
      throw new ProblemException(
        403,
        'insufficient-scope',
        'Forbidden',
        `This key does not have the "${scope}" scope.`,
        {},
        { requiredScope: scope },
      );
    }
    setPrincipal(request, {
      keyId: auth.key.id,
      tenant: auth.key.tenant,
      scopes: [...auth.key.scopes],
      nonce: auth.nonce && {
        keyId: auth.key.id,
        nonce: auth.nonce.value,
        expiresAt: new Date(auth.nonce.expiresAtMs),
      },
    });
    return true;
  }
}

const UNAUTHENTICATED_DETAIL =
  'The request is not signed by an enabled key, its signature does not match, or it was already used.';
const CHALLENGE = { 'WWW-Authenticate': 'Mailover-HMAC-SHA256 realm="mailover"' };

/** A replay found by the route's write (`@NonceWithWrite()`): the guard's own answer to one. */
export function replayRefusal(): ProblemException {
  return refusal({ ok: false, failure: { ok: false, reason: 'replayed' } });
}

/** Unknown key, disabled key, wrong signature and replay all answer exactly the same. */
function refusal(auth: Extract<Authentication, { ok: false }>): ProblemException {
  const failure = auth.failure;
  switch (failure.reason) {
    case 'malformed':
      return new ProblemException(
        401,
        'unauthenticated',
        'Unauthorized',
        failure.detail,
        CHALLENGE,
      );
    case 'skew':
      return new ProblemException(401, 'unauthenticated', 'Unauthorized', failure.detail, {
        ...CHALLENGE,
        Date: new Date().toUTCString(),
      });
    case 'unavailable':
      return new ProblemException(
        503,
        'replay-cache-unavailable',
        'Service unavailable',
        'The request could not be checked against replay; retry later.',
        { 'Retry-After': String(failure.retryAfterSeconds) },
      );
    default:
      return new ProblemException(
        401,
        'unauthenticated',
        'Unauthorized',
        UNAUTHENTICATED_DETAIL,
        CHALLENGE,
      );
  }
}
