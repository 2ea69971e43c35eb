// The shapes shared by the REST routes: what a handler receives, what it answers, and what the fake records.
import type { FakeClock } from '../clock.js';
import type { FormErrors, FormErrorTree } from '../errors.js';
import type { GatewayServer } from '../gateway/server.js';
import type { ResponseHolds } from '../holds.js';
import type { InteractionStore } from '../interactions/store.js';
import type { RateLimiter } from '../rate-limits.js';
import type { SpecValidator } from '../spec/validator.js';
import type { World } from '../world.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  method: HttpMethod;
  /** Decoded path after `/api/v10`. */
  path: string;
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: HttpMethod;
  /** The path template exactly as Discord's OpenAPI description writes it. */
  template: string;
  /** `bot`: needs `Authorization: Bot <token>`; `none`: interaction callback and interaction webhooks. */
  auth: 'bot' | 'none';
  /** Checks that come before body validation (e.g. the interaction's state). */
  precheck?(req: RouteRequest, ctx: FakeContext): void;
  /** Discord's rules beyond the schema (limits, consistency); add to `errors`. */
  rules?(req: RouteRequest, ctx: FakeContext, errors: FormErrors): void;
  handle(req: RouteRequest, ctx: FakeContext): RouteResult | Promise<RouteResult>;
}

export interface DiscordViolation {
  at: string;
  method: string;
  path: string;
  /** The OpenAPI path template and operation the body was checked against. */
  template: string;
  operationId?: string;
  /** `rule`: one of Discord's limits; `schema`: the OpenAPI request schema. */
  source: 'rule' | 'schema' | 'rule+schema';
  /** Discord's `errors` tree as the 50035 answer carried it. */
  errors: FormErrorTree;
  /** One line per failure: `embeds.0.title: BASE_TYPE_MAX_LENGTH Must be 256 or fewer in length.` */
  lines: string[];
  body: unknown;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  template?: string;
  query: string;
  status: number;
  authorized: boolean;
  body?: unknown;
  /** Discord error code of a failed answer. */
  code?: number;
  /** Spec drifts coerced before validating this body. */
  drifts?: string[];
  /** Its answer was held back by `holdResponses` (the request itself took effect at once). */
  held?: boolean;
}

export interface FakeContext {
  world: World;
  clock: FakeClock;
  interactions: InteractionStore;
  validator: SpecValidator;
  gateway: GatewayServer;
  rateLimits: RateLimiter;
  holds: ResponseHolds;
  botToken: string;
  applicationId: string;
  restBase(): string;
  gatewayUrl(): string;
  violations: DiscordViolation[];
  requests: RequestLogEntry[];
}
