// The admin routes' bodies and answers: API tokens and quotas.
import { z } from 'zod';
import { snowflakeSchema } from './servers.js';
import { TOKEN_SCOPES, tokenScopeSchema } from './tokens.js';

/** POST /v1/tokens. */
export const createTokenSchema = z.object({
  name: z.string().trim().min(1).max(64),
  scopes: z.array(tokenScopeSchema).min(1).max(TOKEN_SCOPES.length),
});
export type CreateTokenRequest = z.infer<typeof createTokenSchema>;

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

/** POST /v1/tokens answers the summary and the token itself: shown this once; GuildServer keeps only its hash. */
export const createdTokenSchema = tokenSummarySchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof createdTokenSchema>;

export const QUOTA_SCOPES = ['guild', 'user'] as const;
export const quotaScopeSchema = z.enum(QUOTA_SCOPES);
export type QuotaScope = z.infer<typeof quotaScopeSchema>;
export const quotaParamsSchema = z.object({ scope: quotaScopeSchema, id: snowflakeSchema });

/** A limit, or null to fall back to the configured default (QUOTA_GUILD_* / QUOTA_USER_*). */
const limit = (max: number) => z.number().int().min(0).max(max).nullable().optional();
/** PUT /v1/quotas/{scope}/{id}. */
export const putQuotaSchema = z
  .object({ maxServers: limit(10_000), maxCores: limit(100_000), maxMemoryMiB: limit(100_000_000) })
  .strict();
export type PutQuotaRequest = z.infer<typeof putQuotaSchema>;

export const quotaLimitsSchema = z.object({
  maxServers: z.number().int(),
  maxCores: z.number().int(),
  maxMemoryMiB: z.number().int(),
});
export type QuotaLimits = z.infer<typeof quotaLimitsSchema>;

/** GET/PUT /v1/quotas/{scope}/{id}. */
export const quotaSchema = z.object({
  scope: quotaScopeSchema,
  id: z.string(),
  /** What is stored for this guild or user; null means the default applies. */
  override: z.object({
    maxServers: z.number().int().nullable(),
    maxCores: z.number().int().nullable(),
    maxMemoryMiB: z.number().int().nullable(),
  }),
  /** The limits in force. */
  effective: quotaLimitsSchema,
  /** What the guild's or user's live servers use now (failed ones do not count). */
  usage: z.object({ servers: z.number().int(), cores: z.number().int(), memoryMiB: z.number().int() }),
  updatedAt: z.string().nullable(),
});
export type Quota = z.infer<typeof quotaSchema>;

/** Servers and what they hold, in one group of a node. */
const heldSchema = z.object({
  servers: z.number().int(),
  cores: z.number().int(),
  memoryMiB: z.number().int(),
});

/**
 * `GET /v1/capacity`: per node, the servers whose VM is up (and holds its memory), those asleep and those stopped
 * (which hold none), and those in between (a job runs on them).
 */
export const capacitySchema = z.object({
  nodes: z.array(
    z.object({
      node: z.string(),
      awake: heldSchema,
      asleep: heldSchema,
      stopped: heldSchema,
      busy: heldSchema,
    }),
  ),
});
export type Capacity = z.infer<typeof capacitySchema>;
