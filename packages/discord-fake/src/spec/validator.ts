// Request bodies checked against Discord's OpenAPI 3.1 description (JSON Schema 2020-12, Ajv non-strict).
// One compiled validator per operation, shared by every fake in the process that uses the same spec file.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { FormErrors } from '../errors.js';
import { isRecord } from '../rules/limits.js';

const SPEC_ID = 'discord-openapi';
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

interface Operation {
  operationId: string;
  template: string;
  method: string;
  /** JSON pointer (inside SPEC_ID) to the application/json request schema, if the operation has a body. */
  bodyPointer?: string;
  branches: string[];
}

export interface SpecCheck {
  operationId?: string;
  errors: FormErrors;
  /** Ajv's own reports, for diagnostics. */
  details: ErrorObject[];
}

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

export class SpecValidator {
  readonly templates: string[];
  private readonly ajv: Ajv2020;
  private readonly operations = new Map<string, Operation>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly specPath: string) {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
      components: Record<string, unknown>;
    };
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // Discord's own formats: snowflake ids (decimal strings) and message nonces (any short string).
    this.ajv.addFormat('snowflake', /^(0|[1-9][0-9]*)$/);
    this.ajv.addFormat('nonce', true);
    this.ajv.addSchema({ $id: SPEC_ID, components: spec.components, paths: spec.paths });
    for (const [template, item] of Object.entries(spec.paths))
      for (const method of METHODS) {
        const op = item[method];
        if (!isRecord(op)) continue;
        const body = isRecord(op.requestBody) ? op.requestBody : undefined;
        const content = body && isRecord(body.content) ? body.content : undefined;
        const json =
          content && isRecord(content['application/json']) ? content['application/json'] : undefined;
        const schema = json && isRecord(json.schema) ? json.schema : undefined;
        const pointer = `${SPEC_ID}#/paths/${escapePointer(template)}/${method}/requestBody/content/application~1json/schema`;
        const union = schema ? (schema.anyOf ?? schema.oneOf) : undefined;
        const branches = Array.isArray(union)
          ? union.flatMap((b) => (isRecord(b) && typeof b.$ref === 'string' ? [`${SPEC_ID}${b.$ref}`] : []))
          : [];
        this.operations.set(`${method} ${template}`, {
          operationId: String(op.operationId ?? `${method} ${template}`),
          template,
          method,
          ...(schema ? { bodyPointer: pointer } : {}),
          branches,
        });
      }
    this.templates = [...new Set([...this.operations.values()].map((o) => o.template))];
  }

  operation(template: string, method: string): Operation | undefined {
    return this.operations.get(`${method.toLowerCase()} ${template}`);
  }

  private validator(ref: string): ValidateFunction {
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, fn);
    }
    return fn;
  }

  /** Validates a JSON body for an operation; an operation without a body schema accepts anything. */
  check(template: string, method: string, body: unknown): SpecCheck {
    const op = this.operation(template, method);
    const errors = new FormErrors();
    if (!op?.bodyPointer) return { ...(op ? { operationId: op.operationId } : {}), errors, details: [] };
    const root = this.validator(op.bodyPointer);
    if (root(body)) return { operationId: op.operationId, errors, details: [] };
    let details = root.errors ?? [];
    // A union body (e.g. the interaction callback): report the branch that fits best, not every branch's noise.
    if (op.branches.length > 0) {
      let best: ErrorObject[] | undefined;
      for (const ref of op.branches) {
        const fn = this.validator(ref);
        if (fn(body)) continue;
        const errs = fn.errors ?? [];
        const typeMismatch = errs.some((e) => e.instancePath === '/type');
        const score = errs.length + (typeMismatch ? 10_000 : 0);
        const bestScore = best
          ? best.length + (best.some((e) => e.instancePath === '/type') ? 10_000 : 0)
          : Infinity;
        if (score < bestScore) best = errs;
      }
      if (best) details = best;
    }
    const seen = new Set<string>();
    for (const e of details) {
      if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
      const path = e.instancePath.split('/').slice(1).map(unescapePointer);
      if (e.keyword === 'required')
        path.push(String((e.params as { missingProperty: string }).missingProperty));
      const { code, message } = discordCode(e);
      const key = `${path.join('.')}|${code}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.add(path, code, message);
    }
    if (errors.empty) errors.add([], 'SCHEMA_INVALID', root.errors?.[0]?.message ?? 'invalid body');
    return { operationId: op.operationId, errors, details };
  }
}

const unescapePointer = (s: string) => s.replaceAll('~1', '/').replaceAll('~0', '~');

/** Ajv's keyword → the error code and wording Discord uses for the same failure. */
function discordCode(e: ErrorObject): { code: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'maxLength':
    case 'maxItems':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${p.limit} or fewer in length.` };
    case 'minLength':
    case 'minItems':
      return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${p.limit} or more in length.` };
    case 'required':
      return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
    case 'maximum':
      return { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${p.limit}.` };
    case 'minimum':
      return { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${p.limit}.` };
    case 'enum':
    case 'const':
      return {
        code: 'BASE_TYPE_CHOICES',
        message: `Value must be one of ${JSON.stringify(p.allowedValues ?? p.allowedValue)}.`,
      };
    case 'type': {
      const t = String(p.type);
      if (t.startsWith('integer') || t.startsWith('number'))
        return { code: 'NUMBER_TYPE_COERCE', message: 'Value is not int.' };
      if (t.startsWith('string')) return { code: 'BASE_TYPE_STRING', message: 'Must be a string.' };
      if (t.startsWith('boolean'))
        return { code: 'BASE_TYPE_BOOLEAN', message: 'Must be either true or false.' };
      if (t.startsWith('array')) return { code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' };
      return { code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' };
    }
    case 'format':
      return p.format === 'uri'
        ? { code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' }
        : { code: 'BASE_TYPE_FORMAT', message: `Must match format "${p.format}".` };
    case 'pattern':
      return { code: 'STRING_TYPE_REGEX', message: `String value did not match validation regex.` };
    case 'uniqueItems':
      return { code: 'BASE_TYPE_UNIQUE', message: 'Items must be unique.' };
    default:
      return { code: `SCHEMA_${e.keyword.toUpperCase()}`, message: e.message ?? e.keyword };
  }
}

const cache = new Map<string, SpecValidator>();

export function specValidator(path: string): SpecValidator {
  let v = cache.get(path);
  if (!v) {
    v = new SpecValidator(path);
    cache.set(path, v);
  }
  return v;
}
