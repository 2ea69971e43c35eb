import { type ErrorCode, errorBodySchema } from '@guildserver/contracts';

/** The API's codes plus what can go wrong before a usable answer arrives. */
export type ApiErrorCode = ErrorCode | 'api_unreachable' | 'api_timeout' | 'bad_response';

/** The API refused (its `{ error: { code, message } }`), or answered something else, or did not answer. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Nothing (or nothing in time) answers at the API's URL: worth trying again later. */
export class ApiUnreachableError extends ApiError {
  constructor(message: string, code: 'api_unreachable' | 'api_timeout' = 'api_unreachable', status?: number) {
    super(code, message, status);
  }
}

/** Which request an error is about, for its sentence. */
export interface RequestLabel {
  baseUrl: string;
  method: string;
  path: string;
}

/** The error of a non-2xx answer: the API's own code and sentence, or one naming what answered instead. */
export function errorOfBody(response: Response, body: unknown, request: RequestLabel): ApiError {
  const failure = errorBodySchema.safeParse(body);
  if (failure.success)
    return new ApiError(failure.data.error.code, failure.data.error.message, response.status);
  // Not our API's error shape: a proxy, another program on that port, or an API older or newer than us.
  const { baseUrl, method, path } = request;
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(
    response.status >= 500 ? 'internal' : 'bad_response',
    `The API at ${baseUrl} answered ${method} ${path} with HTTP ${response.status}${statusText}; is API_URL pointing at GuildServer's API?`,
    response.status,
  );
}

/** Reads the body of a non-2xx answer into its error. */
export async function readApiError(response: Response, request: RequestLabel): Promise<ApiError> {
  return errorOfBody(response, await readJson(response), request);
}

/** The body as JSON; undefined when it is empty or not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One sentence naming the API's URL and why nothing sensible answers there.
 * @param advice what to do about it, said last (gs: how to start the local stack).
 */
export function unreachableError(
  error: unknown,
  baseUrl: string,
  timeoutMs: number,
  advice?: string,
): ApiUnreachableError {
  const name = (error as Error).name;
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  const why = timedOut ? `it did not answer within ${timeoutMs / 1000} s` : connectionFailure(error);
  return new ApiUnreachableError(
    `Cannot reach the GuildServer API at ${baseUrl} (API_URL): ${why}${advice ? `; ${advice}` : ''}.`,
    timedOut ? 'api_timeout' : 'api_unreachable',
  );
}

function connectionFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'nothing is listening there';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was cut';
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return 'its TLS certificate is not trusted';
  return `the connection failed (${code ?? cause?.message ?? (error as Error).message})`;
}
