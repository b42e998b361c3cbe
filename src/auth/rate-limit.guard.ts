import { type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { RateLimitConfig, type RateLimitRule } from '../config/config.schema';
import { ProblemException } from '../common/problem';
import { isAddressLimited, isPublic } from './auth.decorators';
import { isWebhookPath, RequestAuthenticator } from './request-authenticator.service';

/**
 * One budget per API key (`rateLimit.perKey[id]`, else `rateLimit.default`) across all routes;
 * requests that are not authenticated share one budget per client address
 * (`rateLimit.anonymous`). The address is Fastify's `request.ip`, which honours
 * X-Forwarded-For only from `server.trustedProxies`. Public routes (probes, docs) are not limited,
 * so a busy prober never makes health flap.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    private readonly limits: RateLimitConfig,
  ) {
    super(options, storage, reflector);
    this.headerPrefix = 'RateLimit';
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return isPublic(this.reflector, context) && !isAddressLimited(this.reflector, context);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const rule = isAddressLimited(this.reflector, props.context)
      ? this.limits.webhooks
      : this.ruleFor(this.requestOf(props.context));
    try {
      return await super.handleRequest({
        ...props,
        limit: rule.limit,
        ttl: rule.ttlMs,
        blockDuration: rule.ttlMs,
      });
    } catch (e) {
      if (e instanceof HttpException) throw e;
      // The shared counter (Redis) is unreachable: refuse rather than serve unlimited.
      this.logger.warn(`rate limit storage failed: ${(e as Error).message}`);
      throw new ProblemException(
        503,
        'rate-limit-unavailable',
        'Service unavailable',
        'The rate limit could not be checked; retry later.',
        { 'Retry-After': '5' },
      );
    }
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    // Provider webhooks have their own budget per address, apart from unsigned API calls.
    if (isWebhookPath(String(request.url)))
      return `webhook-ip:${(request as unknown as FastifyRequest).ip}`;
    const verified = this.authenticator.verify(request as unknown as FastifyRequest);
    return verified.ok
      ? `key:${verified.key.id}`
      : `ip:${(request as unknown as FastifyRequest).ip}`;
  }

  /** Not per route: the budget is the key's (or the address's) across the API. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `mailover:rl:${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = String(Math.max(1, detail.timeToBlockExpire));
    throw new ProblemException(
      429,
      'rate-limited',
      'Too many requests',
      `More than ${detail.limit} requests in ${detail.ttl / 1000} s; retry after ${retryAfter} s.`,
      {
        'Retry-After': retryAfter,
        'RateLimit-Limit': String(detail.limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': retryAfter,
      },
    );
  }

  private ruleFor(request: FastifyRequest): RateLimitRule {
    const verified = this.authenticator.verify(request);
    if (!verified.ok) return this.limits.anonymous;
    // Own properties only: a key named `constructor` or `__proto__` must not find Object's.
    const perKey = this.limits.perKey;
    return Object.hasOwn(perKey, verified.key.id) ? perKey[verified.key.id] : this.limits.default;
  }

  private requestOf(context: ExecutionContext): FastifyRequest {
    return context.switchToHttp().getRequest<FastifyRequest>();
  }
}
