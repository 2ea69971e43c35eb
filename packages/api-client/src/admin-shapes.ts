// The answers of the admin routes (tokens, quotas), as the API declares them.
import { tokenScopeSchema } from '@guildserver/contracts';
import { z } from 'zod';

/** A token as GET /v1/tokens lists it (never the token itself). */
export const tokenSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(tokenScopeSchema),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type TokenSummary = z.infer<typeof tokenSummarySchema>;
export const tokenListSchema = z.object({ tokens: z.array(tokenSummarySchema) });

/** POST /v1/tokens: the summary and the token, shown only this once. */
export const createdTokenSchema = tokenSummarySchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof createdTokenSchema>;

export const QUOTA_SCOPES = ['guild', 'user'] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

const quotaLimitsSchema = z.object({
  maxServers: z.number().int(),
  maxCores: z.number().int(),
  maxMemoryMiB: z.number().int(),
});
export type QuotaLimits = z.infer<typeof quotaLimitsSchema>;

/** GET/PUT /v1/quotas/{scope}/{id}: what is stored (null: the default applies), what is in force, what is used. */
export const quotaSchema = z.object({
  scope: z.enum(QUOTA_SCOPES),
  id: z.string(),
  override: z.object({
    maxServers: z.number().int().nullable(),
    maxCores: z.number().int().nullable(),
    maxMemoryMiB: z.number().int().nullable(),
  }),
  effective: quotaLimitsSchema,
  usage: z.object({ servers: z.number().int(), cores: z.number().int(), memoryMiB: z.number().int() }),
  updatedAt: z.string().nullable(),
});
export type Quota = z.infer<typeof quotaSchema>;
