import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { RateLimitConfig } from '../config/config.schema';
import { EMAIL_STORE, type EmailStore } from '../store/email.store';
import { StoreModule } from '../store/store.module';
import { AuthGuard } from './auth.guard';
import { KeyRing } from './key-ring.service';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { NonceStore } from './nonce.store';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisNonceStore } from './redis-nonce.store';
import { RequestAuthenticator } from './request-authenticator.service';
import { StoreNonceStore } from './store-nonce.store';

/**
 * Signed requests, keys and scopes, and rate limits. Both guards are global and run in this
 * order: the rate limit (which authenticates first, to pick the key's or the address's budget),
 * then authentication (the nonce is claimed only here, so a request refused 429 records none)
 * and scope. The signature of a request with a body is checked by the body parsers before
 * parsing (see signed-body.parsers.ts); the result is shared.
 */
@Module({
  imports: [
    StoreModule,
    ThrottlerModule.forRootAsync({
      inject: [RateLimitConfig],
      useFactory: (limits: RateLimitConfig) => ({
        // The guard picks the rule per request; this one is only the named throttler's default.
        throttlers: [{ name: 'default', limit: limits.default.limit, ttl: limits.default.ttlMs }],
        storage:
          limits.storage === 'redis'
            ? new ThrottlerStorageRedisService(limits.redisUrl!, {
                maxRetriesPerRequest: 1,
                disconnectTimeout: 200,
              })
            : new MemoryThrottlerStorage(),
      }),
    }),
  ],
  providers: [
    KeyRing,
    {
      // Redis when the rate limits are there; otherwise the store, so that nonces outlive a
      // restart and every replica on the same database sees them.
      provide: NonceStore,
      inject: [RateLimitConfig, EMAIL_STORE],
      useFactory: (limits: RateLimitConfig, store: EmailStore): NonceStore =>
        limits.storage === 'redis'
          ? new RedisNonceStore(limits.redisUrl!)
          : new StoreNonceStore(store),
    },
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [RequestAuthenticator],
})
export class AuthModule {}
