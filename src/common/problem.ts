import { HttpException } from '@nestjs/common';
import type { FieldProblem } from '../domain/errors';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** An HTTP-layer problem with its own status (auth, rate limits, body size). */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly slug: string,
    title: string,
    detail?: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super({ title, detail }, status);
  }
}
