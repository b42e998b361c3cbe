import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, type Problem } from '../common/problem';
import {
  ConflictError,
  IdempotencyMismatchError,
  InvalidInputError,
  NotFoundError,
  ReplayedRequestError,
} from '../domain/errors';
import { replayRefusal } from '../auth/auth.guard';

// The exception lives in src/common (auth guards throw it too); re-exported for older imports.
export { ProblemException, type Problem };

const TYPE_BASE = 'https://mailover.dev/problems/';

/**
 * Turns every error into application/problem+json; 5xx details never leave the process, only
 * the request id (`requestId`) that finds them in the log.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  /** bodyLimitBytes: named in a 413's detail. */
  constructor(private readonly bodyLimitBytes?: number) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { problem, headers } = this.toProblem(error);
    problem.instance = request?.url?.split('?')[0];
    // The X-Request-Id header too: the id of the log line that tells what went wrong.
    if (problem.status >= 500 && request?.id) problem.requestId = String(request.id);
    if (error instanceof ProblemException && problem.status >= 500) {
      // An answer we chose (a dependency is down): worth a warning, not a stack trace.
      this.logger.warn(
        { reqId: request?.id, status: problem.status, problem: problem.type },
        problem.title,
      );
    } else if (problem.status >= 500) {
      this.logger.error(
        {
          reqId: request?.id,
          err:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        },
        'unhandled error',
      );
    }
    void reply
      .status(problem.status)
      .headers({ ...headers, 'content-type': 'application/problem+json' })
      .send(problem);
  }

  private toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
    if (error instanceof InvalidInputError) {
      return {
        problem: problem(400, 'invalid-request', 'Invalid request', error.message, {
          errors: error.problems,
        }),
        headers: {},
      };
    }
    if (error instanceof NotFoundError)
      return { problem: problem(404, 'not-found', 'Not found', error.message), headers: {} };
    if (error instanceof ConflictError)
      return { problem: problem(409, 'conflict', 'Conflict', error.message), headers: {} };
    if (error instanceof IdempotencyMismatchError) {
      return {
        problem: problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', error.message),
        headers: {},
      };
    }
    const tooLarge =
      error instanceof HttpException
        ? error.getStatus() === 413
        : (error as { statusCode?: number })?.statusCode === 413;
    if (tooLarge && this.bodyLimitBytes !== undefined) {
      return {
        problem: problem(
          413,
          slugOf(413),
          titleOf(413),
          `The request body is larger than the limit of ${this.bodyLimitBytes} bytes (server.bodyLimitBytes).`,
          { limitBytes: this.bodyLimitBytes },
        ),
        headers: {},
      };
    }
    // Found by the send's own transaction (@NonceWithWrite): the guard's answer to a replay.
    if (error instanceof ReplayedRequestError) return this.toProblem(replayRefusal());
    if (error instanceof ProblemException) {
      const body = error.getResponse() as { title: string; detail?: string };
      return {
        problem: problem(error.getStatus(), error.slug, body.title, body.detail, error.extensions),
        headers: error.headers,
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const detail =
        typeof response === 'string'
          ? response
          : ((response as { message?: unknown }).message ?? error.message);
      return {
        problem: problem(
          status,
          slugOf(status),
          titleOf(status),
          Array.isArray(detail) ? detail.join('; ') : String(detail),
        ),
        headers: {},
      };
    }
    const status = (error as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own errors (body too large, malformed JSON, unsupported media type).
      return {
        problem: problem(status, slugOf(status), titleOf(status), (error as Error).message),
        headers: {},
      };
    }
    return {
      problem: problem(500, 'internal', 'Internal server error', 'The error was logged.'),
      headers: {},
    };
  }
}

function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Problem {
  return { type: TYPE_BASE + slug, title, status, ...(detail ? { detail } : {}), ...extra };
}

function slugOf(status: number): string {
  return titleOf(status)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  return name ? name.charAt(0) + name.slice(1).toLowerCase().replace(/_/g, ' ') : `HTTP ${status}`;
}
