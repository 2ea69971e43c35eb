// Port of PVE::JSONSchema::check_prop / check_type / check_object, plus the coercion the simulator's
// handlers want (numbers as numbers, booleans as 0/1).
//
// Values are first put into the shape Perl would see: strings for scalars (JSON numbers included),
// JSON_BOOL for JSON true/false (a JSON::PP::Boolean reference), arrays and plain objects as is.

import { type Dialect, dialectFor } from './dialect.js';
import { FormatError } from './format-error.js';
import { checkFormat } from './formats.js';
import { expandedProperties } from './indexed.js';
import { perlPatternMatches } from './perl-regex.js';
import { isInteger, isNumber, perlTrue } from './perl-values.js';
import type { Endpoint, ParamSource, PropertySchema, ValidationResult } from './types.js';

class JsonBool {
  constructor(readonly value: boolean) {}
}

type Errors = Record<string, string>;

/** Checks merged path+query+body parameters against an endpoint, as PVE's RESTHandler does. */
export function validate(
  endpoint: Endpoint,
  params: Record<string, unknown>,
  source: ParamSource,
): ValidationResult {
  const dialect = dialectFor(endpoint.version);
  const props = expandedProperties(endpoint);
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const schema = Object.hasOwn(props, k) ? props[k] : undefined;
    const perl = toPerl(v, source, schema);
    if (perl !== undefined) values[k] = perl;
  }

  const errors: Errors = {};
  checkObject('', props, values, endpoint.parameters.additionalProperties, errors, dialect);
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = coerce(v, Object.hasOwn(props, k) ? props[k] : undefined);
  }
  return { ok: true, params: out };
}

function toPerl(v: unknown, source: ParamSource, schema: PropertySchema | undefined): unknown {
  if (v === undefined || v === null) return undefined;
  if (source === 'form') {
    // Repeated form keys reach PVE joined with NUL; array parameters are split again.
    if (Array.isArray(v)) {
      return schema?.type === 'array' ? v.map(String) : v.map(String).join('\0');
    }
    if (schema?.type === 'array') return String(v).split('\0');
    return String(v);
  }
  if (typeof v === 'boolean') return new JsonBool(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map((item) => toPerl(item, 'json', undefined) ?? null);
  return v;
}

function coerce(v: unknown, schema: PropertySchema | undefined): unknown {
  if (v instanceof JsonBool) return v.value ? 1 : 0;
  if (Array.isArray(v)) return v.map((item) => coerce(item, schema?.items));
  if (typeof v !== 'string' || !schema) return v;
  if (schema.type === 'integer' || schema.type === 'number') return Number(v);
  if (schema.type === 'boolean') return v === '1' ? 1 : 0;
  return v;
}

function addError(errors: Errors, path: string, msg: string): void {
  const key = path || '_root';
  // PVE joins with a single-quoted '\n', i.e. a literal backslash and n.
  errors[key] = errors[key] ? `${errors[key]}\\n${msg}` : msg;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function checkObject(
  path: string,
  schema: Record<string, PropertySchema>,
  value: Record<string, unknown>,
  additionalProperties: unknown,
  errors: Errors,
  dialect: Dialect,
): void {
  for (const [k, sub] of Object.entries(schema)) {
    const typeProperty = sub['type-property'];
    const instanceType = typeof typeProperty === 'string' ? value[typeProperty] : undefined;
    checkProp(value[k], sub, join(path, k), errors, dialect, instanceType);
  }
  for (const k of Object.keys(value)) {
    const sub = Object.hasOwn(schema, k) ? schema[k] : undefined;
    if (sub) {
      const requires = sub.requires;
      if (typeof requires === 'string' && value[requires] === undefined) {
        addError(errors, join(path, requires), dialect.requiresMessage(join(path, k)));
      }
      continue;
    }
    if (additionalProperties !== undefined && !perlTrue(additionalProperties)) {
      addError(
        errors,
        join(path, k),
        'property is not defined in schema and the schema does not allow additional properties',
      );
      continue;
    }
    if (isPlainObject(additionalProperties)) {
      checkProp(value[k], additionalProperties as PropertySchema, join(path, k), errors, dialect);
    }
  }
}

function checkProp(
  value: unknown,
  schema: PropertySchema,
  path: string,
  errors: Errors,
  dialect: Dialect,
  instanceType?: unknown,
): void {
  // A property that does not apply to the instance type at hand may be absent (9.x `type-property`).
  const instanceTypes = schema['instance-types'];
  const optionalForType =
    perlTrue(instanceType) && Array.isArray(instanceTypes) && !instanceTypes.includes(instanceType);

  if (schema.alias) return;

  if (value === undefined) {
    if (schema.type === 'null') return;
    if (!perlTrue(schema.optional) && !perlTrue(schema.group) && !optionalForType) {
      addError(errors, path, 'property is missing and it is not optional');
    }
    return;
  }

  if (!checkType(path, schema.type, value, errors, dialect)) return;

  if (Array.isArray(value)) {
    if (isPlainObject(schema.items)) {
      value.forEach((el, i) => {
        checkProp(el ?? undefined, schema.items as PropertySchema, `${path}[${i}]`, errors, dialect);
      });
    }
    return;
  }
  if (typeof value !== 'string') {
    if (isPlainObject(value) && (schema.properties || schema.additionalProperties)) {
      checkObject(
        path,
        (schema.properties ?? {}) as Record<string, PropertySchema>,
        value as Record<string, unknown>,
        schema.additionalProperties,
        errors,
        dialect,
      );
    }
    return;
  }

  if (schema.format) {
    try {
      checkFormat(schema.format, value, path, dialect);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      addError(errors, path, `invalid format - ${e.message}`);
      return;
    }
  }

  if (schema.pattern && !perlPatternMatches(schema.pattern, value, dialect.emptyMinQuantifier)) {
    addError(errors, path, 'value does not match the regex pattern');
    return;
  }

  const length = [...value].length;
  if (schema.maxLength !== undefined && length > Number(schema.maxLength)) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && length < Number(schema.minLength)) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }

  if (isNumber(value)) {
    if (schema.maximum !== undefined && Number(value) > Number(schema.maximum)) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && Number(value) < Number(schema.minimum)) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }

  if (schema.enum && !schema.enum.some((ev) => String(ev) === value)) {
    addError(
      errors,
      path,
      `value '${value}' does not have a value in the enumeration '${schema.enum.join(', ')}'`,
    );
  }
}

function checkType(path: string, type: unknown, value: unknown, errors: Errors, dialect: Dialect): boolean {
  if (!type || typeof type !== 'string' || type === 'any') return true;
  if (type === 'null') {
    addError(errors, path, `type check ('${type}') failed - value is not null`);
    return false;
  }
  if (type === 'array' || type === 'object') {
    const ok = type === 'array' ? Array.isArray(value) : isPlainObject(value);
    if (!ok) addError(errors, path, `type check ('${type}') failed`);
    return ok;
  }
  const ref = perlRef(value);
  if (ref) {
    if (type === 'boolean' && value instanceof JsonBool && dialect.jsonBooleans) return true;
    addError(errors, path, `type check ('${type}') failed - got ${ref}`);
    return false;
  }
  const v = value as string;
  const ok =
    type === 'boolean'
      ? v === '1' || v === '0'
      : type === 'integer'
        ? isInteger(v)
        : type === 'number'
          ? isNumber(v)
          : true;
  if (!ok) addError(errors, path, `type check ('${type}') failed - got '${v}'`);
  return ok;
}

function perlRef(value: unknown): string {
  if (value instanceof JsonBool) return 'JSON::PP::Boolean';
  if (Array.isArray(value)) return 'ARRAY';
  if (typeof value === 'object' && value !== null) return 'HASH';
  return '';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonBool);
}
