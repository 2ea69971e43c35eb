import { errorBodySchema } from '@guildserver/contracts';
import type { z } from 'zod';

const jsonContent = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

/** An OpenAPI response whose body is JSON of `schema`. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  ...jsonContent(schema),
});

/** A required JSON request body of `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  ...jsonContent(schema),
  required: true as const,
});

/** Error responses (the API's error body) by status, each with its description. */
export function errorResponses<S extends number>(descriptions: Record<S, string>) {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      json(errorBodySchema, description as string),
    ]),
  ) as Record<S, ReturnType<typeof json<typeof errorBodySchema>>>;
}

/** What admin-only routes (tokens, quotas, webhooks) may answer besides success. */
export const adminErrors = errorResponses({
  400: 'Bad input',
  401: 'No or unknown token',
  403: 'Not an admin token',
  404: 'Not found',
});
