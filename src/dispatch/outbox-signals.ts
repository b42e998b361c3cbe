import { EventEmitter } from 'node:events';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { EmailStatus } from '../store/email.store';

/** Called with (id, status) when this process ends an email. */
export type FinalListener = (id: string, status: EmailStatus) => void;

/**
 * The small port between the API and the outbox in one process: the API says "new work is due"
 * and listens for emails this process finished; the claim loop listens for the first and the
 * round runner says the second. In an API-only process nobody listens for wake-ups and nothing
 * finishes here, so the API falls back on the store (see EmailService.waitForFinal).
 */
@Injectable()
export class OutboxSignals implements BeforeApplicationShutdown {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private stopping = false;

  /** True once the application began shutting down (readiness turns down). */
  get isStopping(): boolean {
    return this.stopping;
  }

  wake(): void {
    this.events.emit('wake');
  }

  onWake(listener: () => void): () => void {
    this.events.on('wake', listener);
    return () => this.events.off('wake', listener);
  }

  final(id: string, status: EmailStatus): void {
    this.events.emit('final', id, status);
  }

  onFinal(listener: FinalListener): () => void {
    this.events.on('final', listener);
    return () => this.events.off('final', listener);
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
