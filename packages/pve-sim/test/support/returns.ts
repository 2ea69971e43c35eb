// Checks an answer's `data` against the `returns` schema of its endpoint: required properties present, the
// present ones of the declared type and enum. Extra properties are allowed (PVE's returns schemas are open).
import { loadSchema, type PropertySchema, type PveVersion } from '../../src/schema/index.js';

function check(value: unknown, schema: PropertySchema | undefined, path: string, problems: string[]): void {
  if (!schema) return;
  if (value === undefined || value === null) {
    if (schema.type !== 'null' && !schema.optional) problems.push(`${path}: missing`);
    return;
  }
  const ok: Record<string, (v: unknown) => boolean> = {
    integer: (v) => Number.isInteger(v),
    number: (v) => typeof v === 'number',
    boolean: (v) => v === 0 || v === 1 || typeof v === 'boolean',
    string: (v) => typeof v === 'string',
    array: Array.isArray,
    object: (v) => typeof v === 'object' && !Array.isArray(v),
    null: () => false,
  };
  const type = String(schema.type ?? 'any');
  if (ok[type] && !ok[type](value)) {
    problems.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
    return;
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === String(value)))
    problems.push(`${path}: ${JSON.stringify(value)} not in ${schema.enum.join(', ')}`);
  if (Array.isArray(value))
    value.forEach((item, i) => {
      check(item, schema.items as PropertySchema | undefined, `${path}[${i}]`, problems);
    });
  else if (type === 'object' && schema.properties)
    for (const [key, sub] of Object.entries(schema.properties as Record<string, PropertySchema>))
      check((value as Record<string, unknown>)[key], sub, `${path}.${key}`, problems);
}

/** What is wrong with `data` as the answer to `METHOD path` in this version's schema (empty when nothing). */
export function returnProblems(version: PveVersion, method: string, path: string, data: unknown): string[] {
  const match = loadSchema(version).match(method as 'GET', path);
  if (match.kind !== 'ok') return [`${method} ${path}: no such endpoint`];
  const problems: string[] = [];
  check(data, match.endpoint.returns, 'data', problems);
  return problems;
}
