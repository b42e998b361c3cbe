/** Domain failures; the one exception filter turns them into problem+json. No HTTP here. */
export interface FieldProblem {
  /** The path of the bad field, e.g. `to[1].email` or `attachments[0].content`. */
  field: string;
  detail: string;
}

export class InvalidInputError extends Error {
  constructor(
    readonly problems: FieldProblem[],
    message = 'The request has invalid fields.',
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {}

/** The resource is in a state that does not allow the operation (cancel after sending began). */
export class ConflictError extends Error {}

/** The same Idempotency-Key came with a different request. */
export class IdempotencyMismatchError extends Error {}

/**
 * The signed request's nonce was already recorded when the email it sends was to be stored: a
 * replay, refused exactly as the auth guard refuses one.
 */
export class ReplayedRequestError extends Error {}
