// Discord's error bodies: `{ message, code }`, plus a nested `errors` tree for 50035 Invalid Form Body, where each
// leaf is `{ _errors: [{ code, message }] }` and array indices are object keys ("0", "1", ...).

export interface FormErrorItem {
  code: string;
  message: string;
}

export interface FormErrorTree {
  [key: string]: FormErrorTree | FormErrorItem[];
}

export class FormErrors {
  readonly tree: FormErrorTree = {};
  /** Flat `path: message` lines, for logs and violation reports. */
  readonly lines: string[] = [];

  add(path: readonly (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const k = String(key);
      const next = node[k];
      if (next === undefined || Array.isArray(next)) {
        const fresh: FormErrorTree = {};
        node[k] = fresh;
        node = fresh;
      } else node = next;
    }
    const items = node._errors;
    if (Array.isArray(items)) items.push({ code, message });
    else node._errors = [{ code, message }];
    this.lines.push(`${path.join('.') || '(body)'}: ${code} ${message}`);
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  merge(other: FormErrors): void {
    for (const line of other.lines) this.lines.push(line);
    mergeTrees(this.tree, other.tree);
  }
}

function mergeTrees(into: FormErrorTree, from: FormErrorTree): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (Array.isArray(value)) into[key] = Array.isArray(existing) ? [...existing, ...value] : value;
    else if (existing && !Array.isArray(existing)) mergeTrees(existing, value);
    else into[key] = value;
  }
}

export interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: FormErrorTree;
}

/** An answer the fake gives the way Discord does: HTTP status + JSON error body. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly formErrors?: FormErrors,
  ) {
    super(message);
  }

  body(): DiscordErrorBody {
    return this.formErrors
      ? { message: this.message, code: this.code, errors: this.formErrors.tree }
      : { message: this.message, code: this.code };
  }
}

export const DiscordErrors = {
  unauthorized: () => new DiscordApiError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordApiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new DiscordApiError(405, 0, '405: Method Not Allowed'),
  unknownApplication: () => new DiscordApiError(404, 10002, 'Unknown Application'),
  unknownChannel: () => new DiscordApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new DiscordApiError(404, 10008, 'Unknown Message'),
  unknownUser: () => new DiscordApiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new DiscordApiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordApiError(404, 10062, 'Unknown interaction'),
  notAuthorizedForApplication: () =>
    new DiscordApiError(403, 20012, 'You are not authorized to perform this action on this application'),
  alreadyAcknowledged: () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new DiscordApiError(403, 50001, 'Missing Access'),
  cannotEditOthersMessage: () =>
    new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => new DiscordApiError(400, 50006, 'Cannot send an empty message'),
  cannotMessageUser: () => new DiscordApiError(403, 50007, 'Cannot send messages to this user'),
  missingPermissions: () => new DiscordApiError(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: () => new DiscordApiError(401, 50027, 'Invalid Webhook Token'),
  invalidFormBody: (errors: FormErrors) => new DiscordApiError(400, 50035, 'Invalid Form Body', errors),
  invalidJson: () => new DiscordApiError(400, 50109, 'The request body contains invalid JSON.'),
} as const;
