import { EventEmitter } from 'node:events';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { EmailRecord, EmailStatus } from '../domain/email-record';

/** Called with (id, status) when this process ends an email. */
export type FinalListener = (id: string, status: EmailStatus) => void;

/**
 * A free place in this process's outbox, held for an email about to be stored: the email is
 * stored already leased to `owner`, then handed over with `adopt` (its round starts at once), or
 * the place is given back with `cancel` (not stored, or an idempotent replay).
 */
export interface Reservation {
  readonly owner: string;
  readonly leaseUntil: Date;
  adopt(email: EmailRecord): void;
  cancel(): void;
}

/** The outbox side of the intake (the claim loop), where one runs in this process. */
export interface Intake {
  reserve(): Reservation | undefined;
}

/**
 * The small port between the API and the outbox in one process: the API hands a new email straight
 * to the outbox (a reservation) or says "new work is due", and listens for emails this process
 * finished; the claim loop serves the first two and the round runner says the third. In an API-only process nobody listens for wake-ups and nothing
 * finishes here, so the API falls back on the store (see EmailService.waitForFinal).
 */
@Injectable()
export class OutboxSignals implements BeforeApplicationShutdown {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private stopping = false;
  private intake?: Intake;

  /** True once the application began shutting down (readiness turns down). */
  get isStopping(): boolean {
    return this.stopping;
  }

  wake(): void {
    this.events.emit('wake');
  }

  /** Set by the claim loop of a process that delivers. */
  acceptFrom(intake: Intake | undefined): void {
    this.intake = intake;
  }

  /**
   * A place for a new email that is due now, so its round starts as soon as it is stored instead
   * of at the next claim; undefined in an API-only process, while stopping, or when the outbox
   * is full (then `wake` it after storing).
   */
  reserve(): Reservation | undefined {
    return this.stopping ? undefined : this.intake?.reserve();
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
