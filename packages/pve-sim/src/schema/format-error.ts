/**
 * A value rejected by a format verifier. `message` is PVE's die() text, trailing newline included,
 * because the API repeats it verbatim after `invalid format - `.
 */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** parse_property_string's `raise "format error\n", errors => {...}`, stringified as PVE::Exception does. */
export class PropertyStringError extends FormatError {
  override name = 'PropertyStringError';
  constructor(readonly errors: Record<string, string>) {
    super(
      `format error\n${Object.entries(errors)
        .map(([k, v]) => `${k}: ${v}\n`)
        .join('')}`,
    );
  }
}
