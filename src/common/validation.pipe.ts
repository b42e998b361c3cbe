import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { InvalidInputError, type FieldProblem } from '../domain/errors';

/** class-validator for query strings and simple bodies, failing as one problem that names each field. */
export const queryValidation = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => new InvalidInputError(flatten(errors, '')),
});

function flatten(errors: ValidationError[], parent: string): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((detail) => ({
      field,
      detail: detail
        .replace(
          new RegExp(`^property ${e.property} should not exist$`),
          'is not a known parameter',
        )
        .replace(new RegExp(`^${e.property} `), ''),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
