// Reads apidata-pve*.json (the API viewer's own schema) into a router of endpoints, once per version.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '@guildserver/paths';
import { validate } from './check.js';
import { Router } from './router.js';
import type { ApiSchema, Endpoint, HttpMethod, PermissionSpec, PropertySchema, PveVersion } from './types.js';

const FILES: Record<PveVersion, string> = {
  '7.4': 'apidata-pve7.4.json',
  '8.4': 'apidata-pve8.4.0.json',
  '9.1': 'apidata-pve9.1.3.json',
};

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** `packages/pve-sim/schema-data`: the official schemas, vendored unchanged (see its README). */
export const DEFAULT_SCHEMA_DIR = repoPath('packages', 'pve-sim', 'schema-data');

export interface LoadedSchema extends ApiSchema {
  /** Every endpoint in the file, in tree order. */
  endpoints: readonly Endpoint[];
}

interface ApiNode {
  path: string;
  info?: Partial<Record<HttpMethod, RawMethod>>;
  children?: ApiNode[];
}

interface RawMethod {
  name: string;
  allowtoken?: number | boolean;
  protected?: number | boolean;
  proxyto?: string;
  permissions?: PermissionSpec;
  parameters?: { additionalProperties?: number | boolean; properties?: Record<string, PropertySchema> };
  returns?: PropertySchema;
}

const cache = new Map<string, LoadedSchema>();

export function loadSchema(version: PveVersion, opts: { schemaDir?: string } = {}): LoadedSchema {
  const file = join(opts.schemaDir ?? DEFAULT_SCHEMA_DIR, FILES[version]);
  const cached = cache.get(file);
  if (cached) return cached;

  const tree = JSON.parse(readFileSync(file, 'utf8')) as ApiNode[];
  const router = new Router();
  const endpoints: Endpoint[] = [];
  const visit = (node: ApiNode): void => {
    for (const method of METHODS) {
      const raw = node.info?.[method];
      if (!raw) continue;
      const endpoint = toEndpoint(node.path, method, raw, version);
      endpoints.push(endpoint);
      router.add(endpoint);
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const node of tree) visit(node);

  const schema: LoadedSchema = {
    version,
    endpoints,
    match: (method, path) => router.match(method, path),
    validate,
  };
  cache.set(file, schema);
  return schema;
}

function toEndpoint(path: string, method: HttpMethod, raw: RawMethod, version: PveVersion): Endpoint {
  const endpoint: Endpoint = {
    path,
    method,
    name: raw.name,
    allowtoken: !!raw.allowtoken,
    protected: !!raw.protected,
    parameters: {
      additionalProperties: raw.parameters?.additionalProperties,
      properties: raw.parameters?.properties ?? {},
    },
    version,
  };
  if (raw.proxyto !== undefined) endpoint.proxyto = raw.proxyto;
  if (raw.permissions !== undefined) endpoint.permissions = raw.permissions;
  if (raw.returns !== undefined) endpoint.returns = raw.returns;
  return endpoint;
}
