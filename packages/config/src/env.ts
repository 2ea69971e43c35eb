import type { z } from 'zod';
import { ConfigError } from './config-error';

export type Env = Record<string, string | undefined>;

/** How one environment variable is read. */
export interface EnvVar<T> {
  /** Allowed form, completing "NAME must be …", e.g. `an integer from 1 to 4094`. */
  form: string;
  /** Validates and converts the trimmed text. */
  schema: z.ZodType<T>;
  /** A secret's value is never repeated in an error. */
  secret: boolean;
  /** Used when the variable is unset or empty. */
  fallback: { kind: 'required' } | { kind: 'optional' } | { kind: 'default'; value: T };
}

interface EnvVarOptions {
  secret?: boolean;
}

export function required<T>(form: string, schema: z.ZodType<T>, options: EnvVarOptions = {}): EnvVar<T> {
  return { form, schema, secret: options.secret ?? false, fallback: { kind: 'required' } };
}

export function optional<T>(
  form: string,
  schema: z.ZodType<T>,
  options: EnvVarOptions = {},
): EnvVar<T | undefined> {
  return {
    form,
    schema: schema as z.ZodType<T | undefined>,
    secret: options.secret ?? false,
    fallback: { kind: 'optional' },
  };
}

export function withDefault<T>(
  form: string,
  schema: z.ZodType<T>,
  value: T,
  options: EnvVarOptions = {},
): EnvVar<T> {
  return { form, schema, secret: options.secret ?? false, fallback: { kind: 'default', value } };
}

export type EnvSpec = Record<string, EnvVar<unknown>>;
export type EnvValues<S extends EnvSpec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/** A schema's own sentence on what is wrong (a custom issue ending in `.` or `?`), after the form. */
function explanation(issues: readonly { code: string; message: string }[]): string {
  const sentence = issues.find((issue) => issue.code === 'custom' && /[.?]$/.test(issue.message));
  return sentence ? ` ${sentence.message}` : '';
}

/**
 * Reads one variable or throws a ConfigError naming it and the allowed form (and, when the schema says in a
 * sentence what is wrong, that sentence).
 */
export function readVar<T>(env: Env, name: string, spec: EnvVar<T>): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') {
    if (spec.fallback.kind === 'default') return spec.fallback.value;
    if (spec.fallback.kind === 'optional') return undefined as T;
    throw new ConfigError(`${name} is required and must be ${spec.form}.`, [name]);
  }
  const result = spec.schema.safeParse(raw);
  if (!result.success) {
    const got = spec.secret
      ? ''
      : ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw)})`;
    throw new ConfigError(`${name} must be ${spec.form}${got}.${explanation(result.error.issues)}`, [name]);
  }
  return result.data;
}

/**
 * Reads every variable of a spec at once, failing on the first wrong one — the way each app builds its
 * typed config at start-up:
 *
 *   const api = readEnv(process.env, { API_PORT: withDefault('a TCP port', port, 8080) });
 */
export function readEnv<S extends EnvSpec>(env: Env, spec: S): EnvValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) out[name] = readVar(env, name, variable);
  return out as EnvValues<S>;
}
