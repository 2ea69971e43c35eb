/** A configuration problem, described in one sentence that names the variable and never echoes a secret. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  /** The variable(s) at fault. */
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[]) {
    super(message);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}
