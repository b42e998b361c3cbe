import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { absoluteIn } from '../config/config.loader';
import { AppConfig } from '../config/config.schema';
import { EMAIL_STORE, type EmailStore } from './email.store';
import { EVENT_STORE, type EventStore } from './events.store';
import { KyselyEventStore } from './kysely-event.store';
import { KyselyEmailStore } from './kysely-email.store';
import { PostgresEmailStore } from './postgres/postgres.store';
import { SqliteEmailStore } from './sqlite/sqlite.store';
import { StatsStore } from './stats.store';
import { WebhookDeliveryStore } from './webhook-deliveries.store';

/** The store named by the configuration, not yet migrated. */
export function openEmailStore(config: AppConfig): KyselyEmailStore {
  const store = config.store;
  if (store.driver === 'postgres') {
    if (!store.postgresUrl) throw new Error('store.postgresUrl: must be set');
    return new PostgresEmailStore({ url: store.postgresUrl, poolSize: store.postgresPoolSize });
  }
  return new SqliteEmailStore(absoluteIn(config.dataDir, store.sqliteFile));
}

/**
 * Provides `EMAIL_STORE`, migrated before anything can use it, and closes it on shutdown. Modules
 * that import this one (the dispatch worker) shut down first, so the store outlives its users.
 */
@Module({
  providers: [
    {
      provide: EMAIL_STORE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<EmailStore> => {
        const store = openEmailStore(config);
        try {
          await store.migrate();
        } catch (error) {
          await store.close().catch(() => undefined);
          throw error;
        }
        return store;
      },
    },
    {
      // The application's webhook queue, on the email store's database and connections.
      provide: WebhookDeliveryStore,
      inject: [EMAIL_STORE],
      useFactory: (store: EmailStore): WebhookDeliveryStore => {
        if (!(store instanceof KyselyEmailStore))
          throw new Error('webhook deliveries need the SQLite or PostgreSQL store');
        return store.webhookDeliveries();
      },
    },
    {
      // The same database as the emails: events are matched to emails by a join-free lookup.
      provide: EVENT_STORE,
      inject: [EMAIL_STORE],
      useFactory: (store: EmailStore): EventStore => {
        if (!(store instanceof KyselyEmailStore))
          throw new Error('the event store needs a Kysely store');
        return new KyselyEventStore(store.database);
      },
    },
    {
      // The operator's statistics, read from the same database (every replica's sends).
      provide: StatsStore,
      inject: [EMAIL_STORE],
      useFactory: (store: EmailStore): StatsStore => {
        if (!(store instanceof KyselyEmailStore))
          throw new Error('the statistics need a Kysely store');
        return new StatsStore(store.database);
      },
    },
  ],
  exports: [EMAIL_STORE, WebhookDeliveryStore, EVENT_STORE, StatsStore],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(EMAIL_STORE) private readonly store: EmailStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
