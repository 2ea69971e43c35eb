// PVE::JSONSchema::parse_property_string: `key=value,...` strings such as net0, ipconfig0, agent, memory.

import { checkObject } from './check.js';
import { type Dialect, dialectFor } from './dialect.js';
import { FormatError, PropertyStringError } from './format-error.js';
import { hashFormat } from './formats.js';
import { isNumber, parseBoolean, perlTrue } from './perl-values.js';
import type { PropertySchema, PveVersion } from './types.js';

export type PropertyStringFormat = Record<
  string,
  PropertySchema & { default_key?: number; alias?: string; keyAlias?: string }
>;

/**
 * Parses and checks a property string as PVE does before it is stored; throws FormatError with PVE's
 * message (e.g. `invalid key in comma-separated list property: foo\n`). Defaults are not filled in.
 */
export function parseRawPropertyString(
  format: string | PropertyStringFormat,
  data: string,
  path: string,
  dialect: Dialect,
): Record<string, string | number> {
  let schema: PropertyStringFormat;
  if (typeof format === 'string') {
    const registered = hashFormat(format);
    if (!registered) throw new FormatError(`unknown format: ${format}\n`);
    schema = registered;
  } else {
    schema = format;
  }

  const res: Record<string, string | number> = {};
  let defaultKey: string | undefined;
  for (const rawPart of perlSplitComma(data)) {
    let part: string | number = rawPart;
    if (/^\s*$/.test(rawPart)) continue;
    const kv = /^([^=]+)=(.+)\n?$/.exec(rawPart);
    if (kv) {
      let k = kv[1]!;
      let v: string | number = kv[2]!;
      if (res[k] !== undefined)
        throw new FormatError(`duplicate key in comma-separated list property: ${k}\n`);
      let sub = own(schema, k);
      if (sub?.alias) {
        if (sub.keyAlias) {
          if (res[sub.keyAlias] !== undefined) {
            throw new FormatError(`key alias '${sub.keyAlias}' is already defined\n`);
          }
          res[sub.keyAlias] = k;
        }
        k = sub.alias;
        sub = own(schema, k);
        if (dialect.aliasConflict && res[k] !== undefined) {
          throw new FormatError(`key '${k}' is already defined (via alias)\n`);
        }
      }
      if (!sub) throw new FormatError(`invalid key in comma-separated list property: ${k}\n`);
      if (sub.type === 'boolean') v = parseBoolean(v) ?? v;
      res[k] = v;
    } else if (!rawPart.includes('=')) {
      if (defaultKey)
        throw new FormatError(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      for (const [key, sub] of Object.entries(schema)) {
        if (!perlTrue(sub.default_key)) continue;
        defaultKey = key;
        if (!perlTrue(res[key])) {
          if (dialect.defaultKeyBoolean && sub.type === 'boolean') part = parseBoolean(rawPart) ?? rawPart;
          res[key] = part;
          break;
        }
        throw new FormatError(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      }
      if (!defaultKey) throw new FormatError('value without key, but schema does not define a default key\n');
    } else {
      throw new FormatError('missing key in comma-separated list property\n');
    }
  }

  const errors: Record<string, string> = {};
  checkObject(path, schema, stringValues(res), 0, errors, dialect);
  if (Object.keys(errors).length > 0) throw new PropertyStringError(errors);
  return res;
}

/**
 * Parses a property string for handlers: the same checks as validation, then integer and number
 * sub-keys as JS numbers and booleans as 0/1. Defaults are not filled in.
 */
export function parsePropertyString(
  format: string | PropertyStringFormat,
  value: string,
  opts: { version?: PveVersion; path?: string } = {},
): Record<string, string | number> {
  const dialect = dialectFor(opts.version);
  const schema = typeof format === 'string' ? hashFormat(format) : format;
  const res = parseRawPropertyString(format, value, opts.path ?? '', dialect);
  for (const [k, v] of Object.entries(res)) {
    const type = schema ? own(schema, k)?.type : undefined;
    if ((type === 'integer' || type === 'number') && typeof v === 'string' && isNumber(v)) res[k] = Number(v);
  }
  return res;
}

function own(schema: PropertyStringFormat, key: string): PropertyStringFormat[string] | undefined {
  return Object.hasOwn(schema, key) ? schema[key] : undefined;
}

function stringValues(res: Record<string, string | number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res)) out[k] = String(v);
  return out;
}

/** Perl's split(/,/, $s): trailing empty fields are dropped. */
function perlSplitComma(s: string): string[] {
  const parts = s.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
