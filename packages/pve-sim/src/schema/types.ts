// Public shape of the schema module: the simulator's HTTP layer codes against these types only.

export type PveVersion = '7.4' | '8.4' | '9.1';
export const PVE_VERSIONS: readonly PveVersion[] = ['7.4', '8.4', '9.1'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One property of a parameter schema, as it appears in apidata-*.json (numbers may be strings there). */
export interface PropertySchema {
  type?: string;
  optional?: number | boolean;
  default?: unknown;
  minimum?: number | string;
  maximum?: number | string;
  maxLength?: number | string;
  minLength?: number | string;
  pattern?: string;
  enum?: string[];
  format?:
    | string
    | Record<string, PropertySchema & { default_key?: number; alias?: string; keyAlias?: string }>;
  items?: PropertySchema;
  requires?: string;
  typetext?: string;
  description?: string;
  [key: string]: unknown;
}

/** Permission expression exactly as in the schema's `permissions` object. */
export interface PermissionSpec {
  check?: unknown[];
  user?: string;
  description?: string;
}

export interface Endpoint {
  /** Path template from the schema, e.g. `/nodes/{node}/qemu/{vmid}/clone`. */
  path: string;
  method: HttpMethod;
  name: string;
  allowtoken: boolean;
  protected: boolean;
  proxyto?: string;
  permissions?: PermissionSpec;
  parameters: { additionalProperties?: number | boolean; properties: Record<string, PropertySchema> };
  returns?: PropertySchema;
  /** Release whose schema this endpoint came from; selects version-specific validation wording. */
  version?: PveVersion;
}

export type MatchResult =
  | { kind: 'ok'; endpoint: Endpoint; pathParams: Record<string, string> }
  /** Neither the path nor the method exists: PVE answers 501 "Method 'GET /x' not implemented". */
  | { kind: 'not_implemented' };

/** Where the values came from: form/query values are strings; a JSON body carries JSON types. */
export type ParamSource = 'form' | 'json';

export type ValidationResult =
  | { ok: true; params: Record<string, unknown> }
  | { ok: false; errors: Record<string, string> };

export interface ApiSchema {
  version: PveVersion;
  /** Matches a path relative to /api2/json (no query string), e.g. `/nodes/pve/qemu/100/config`. */
  match(method: HttpMethod, path: string): MatchResult;
  /** Validates (and coerces) merged path+query+body parameters; errors are keyed and worded as PVE does. */
  validate(endpoint: Endpoint, params: Record<string, unknown>, source: ParamSource): ValidationResult;
}

/** Who is asking, as the permission checker needs it. `has` answers for a normalized ACL path. */
export interface PermissionContext {
  userid: string;
  /** root@pam passes every check, as in PVE. */
  isRoot: boolean;
  has(path: string, priv: string): boolean;
  /** Groups of a user, for `userid-group` checks on existing users; absent means none are known. */
  userGroups?(userid: string): readonly string[];
}

export type PermissionResult =
  | { ok: true }
  /**
   * `path`/`privs` name the first failing check; `message` is exactly what PVE answers (403), e.g.
   * `Permission check failed (/vms/101, VM.Allocate)`, or bare `Permission check failed` when an `or`
   * branch or a `require_param` term fails.
   */
  | { ok: false; path: string; privs: string[]; message: string };
