import { IsUrl, ValidateBy, type ValidationOptions } from 'class-validator';
import { Secret } from '../domain/secret';

/** class-transformer: wraps a credential so it never prints. */
export const toSecret = ({ value }: { value: unknown }) =>
  value === undefined || value === null || value instanceof Secret
    ? value
    : new Secret(String(value));

/** class-transformer: YAML and `${NAME}` give booleans as strings too (`"false"`, `off`, `1`). */
export const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0|)$/i.test(value)) return false;
  return value;
};

/** A credential: present, non-empty, wrapped so it never prints. */
export function IsSecret(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSecret',
      validator: { validate: (value: unknown) => value instanceof Secret && !value.isEmpty },
    },
    { message: 'must be set', ...options },
  );
}

/** An http(s) URL; local hosts (no TLD) are allowed for fakes and VPC endpoints. */
export function IsHttpUrl(): PropertyDecorator {
  return IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  );
}
