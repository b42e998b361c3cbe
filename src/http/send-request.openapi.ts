import type { OpenAPIObject } from '@nestjs/swagger';
import type { SendLimits } from '../domain/send-request';
import {
  legacyRequestJsonSchema,
  sendRequestJsonSchema,
  type JsonSchema,
} from '../domain/send-request.schema';

export const SEND_REQUEST_REF = { $ref: '#/components/schemas/SendEmailRequest' };
export const LEGACY_REQUEST_REF = { $ref: '#/components/schemas/LegacyEmailRequest' };

/**
 * Puts the send requests' schemas into the OpenAPI document, exported from the zod schemas that
 * validate them (with this configuration's limits), so the document and the validation cannot
 * disagree. Shared parts (Address, Attachment) become components of their own.
 */
export function describeSendRequests(document: OpenAPIObject, limits: SendLimits): void {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  const add = (name: string, json: JsonSchema) => {
    const { definitions, ...schema } = JSON.parse(
      JSON.stringify(json).replaceAll('"#/definitions/', '"#/components/schemas/'),
    ) as JsonSchema & { definitions?: Record<string, JsonSchema> };
    Object.assign(schemas, definitions, { [name]: schema });
    return schema as { properties: Record<string, { example?: unknown }> };
  };
  // Swagger UI's prefilled body must be accepted as shown: a time inside the scheduling horizon.
  const send = add('SendEmailRequest', sendRequestJsonSchema(limits));
  send.properties.sendAt.example = tomorrowAtHalfPastNine();
  const legacy = add('LegacyEmailRequest', legacyRequestJsonSchema());
  legacy.properties.send_at.example = tomorrowAtHalfPastNine().replace('T', ' ').slice(0, 19);
}

function tomorrowAtHalfPastNine(): string {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `${day}T09:30:00Z`;
}
