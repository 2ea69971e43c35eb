import { backoffDelay, sleep } from '@guildserver/timing';
import { Pool } from 'undici';
import { encodeForm, type FormParams } from '../encoding/form';
import { ProxmoxApiError, ProxmoxError } from '../errors/classes';
import { errorFromNetwork } from '../errors/from-network';
import { errorFromResponse } from '../errors/from-response';
import type { LoggerLike } from '../logger';
import { DEFAULTS, type ProxmoxClientOptions } from '../options';
import { Redactor, SECRET_PARAMS } from '../redact';
import { USER_AGENT } from '../version';
import { type Credentials, createCredentials, type Ticket } from './credentials';
import { type RetryMode, shouldRetry } from './retry-policy';
import { buildTlsConnector } from './tls-connector';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  /** Relative to `/api2/json`, segments already encoded (see `api` in ./path). */
  path: string;
  query?: FormParams;
  body?: FormParams;
  /** Default `safe`; see retry-policy. */
  retry?: RetryMode;
  signal?: AbortSignal;
}

/** PVE's response envelope: `data` plus, on some calls, extras such as `total`. */
export interface Envelope<T> {
  data: T;
  [extra: string]: unknown;
}

export interface ProxmoxHttp {
  call<T>(request: ApiRequest): Promise<T>;
  envelope<T>(request: ApiRequest): Promise<Envelope<T>>;
  readonly logger: LoggerLike;
  close(): Promise<void>;
}

interface RawResponse {
  status: number;
  statusText: string;
  body: unknown;
}

export function createHttp(options: ProxmoxClientOptions, logger: LoggerLike): ProxmoxHttp {
  const origin = new URL(options.baseUrl).origin;
  const redactor = new Redactor();
  const retry = { ...DEFAULTS.retry, ...options.retry };
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const pool = new Pool(origin, {
    connections: options.connections ?? DEFAULTS.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs, 600_000),
    connect: buildTlsConnector(options.tls ?? {}, options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs),
  });

  if (options.tls?.insecure && origin.startsWith('https:')) {
    logger.warn(
      { origin },
      'TLS certificate verification is OFF (insecure: true): anyone on the path can read the API token; ' +
        'set PROXMOX_TLS_FINGERPRINT or PROXMOX_CA_FILE instead',
    );
  }

  const login = async (username: string, password: string): Promise<Ticket> => {
    const data = await send<{ ticket?: string; CSRFPreventionToken?: string }>(
      { method: 'POST', path: '/access/ticket', body: { username, password } },
      false,
    );
    if (!data.data?.ticket || !data.data.CSRFPreventionToken) {
      throw new ProxmoxApiError('Proxmox answered POST /access/ticket without a ticket', {
        method: 'POST',
        path: '/access/ticket',
      });
    }
    return { ticket: data.data.ticket, csrfToken: data.data.CSRFPreventionToken };
  };

  const credentials: Credentials = createCredentials(
    options.auth,
    redactor,
    login,
    options.ticketRenewAfterMs ?? DEFAULTS.ticketRenewAfterMs,
  );

  async function send<T>(request: ApiRequest, authenticate: boolean): Promise<Envelope<T>> {
    const requestRedactor = redactor.with(secretValuesOf(request.body));
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      let error: ProxmoxError;
      let answered = false;
      try {
        const response = await sendOnce(
          request,
          authenticate ? await credentials.headers(request.method) : {},
        );
        answered = true;
        if (response.status >= 200 && response.status < 300) {
          if (!isEnvelope(response.body)) {
            throw new ProxmoxApiError(
              `Proxmox answered ${request.method} ${request.path} without a JSON body`,
              {
                status: response.status,
                method: request.method,
                path: request.path,
              },
            );
          }
          return response.body as Envelope<T>;
        }
        error = errorFromResponse({
          method: request.method,
          path: request.path,
          status: response.status,
          statusText: requestRedactor.text(response.statusText),
          body: requestRedactor.deep(response.body),
        });
      } catch (thrown) {
        if (request.signal?.aborted) throw request.signal.reason;
        // Our own errors (login failures, TLS verdicts, a body that is not JSON) are already typed.
        error =
          thrown instanceof ProxmoxError
            ? thrown
            : redactError(errorFromNetwork(thrown, request.method, request.path, origin), requestRedactor);
      }
      // A rejected ticket (expired early, server restarted) gets one fresh login.
      if (
        answered &&
        error.code === 'auth_failed' &&
        authenticate &&
        !renewed &&
        (await credentials.renew())
      ) {
        renewed = true;
        continue;
      }
      if (attempt + 1 >= retry.attempts || !shouldRetry(error, request.method, request.retry ?? 'safe'))
        throw error;
      await sleep(backoffDelay(attempt, retry), request.signal);
    }
  }

  async function sendOnce(request: ApiRequest, authHeaders: Record<string, string>): Promise<RawResponse> {
    const query = request.query ? encodeForm(request.query) : '';
    const body = request.body ? encodeForm(request.body) : undefined;
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: 'application/json',
      ...authHeaders,
    };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const started = performance.now();
    let status: number | undefined;
    try {
      const response = await pool.request({
        method: request.method,
        path: `/api2/json${request.path}${query ? `?${query}` : ''}`,
        headers,
        body,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
        signal: request.signal,
      });
      status = response.statusCode;
      const text = await response.body.text();
      return { status, statusText: response.statusText ?? '', body: parseJson(text) };
    } finally {
      logger.debug(
        {
          method: request.method,
          path: request.path,
          status: status ?? null,
          durationMs: Math.round(performance.now() - started),
        },
        'proxmox request',
      );
    }
  }

  return {
    logger,
    envelope: (request) => send(request, true),
    call: async <T>(request: ApiRequest) => (await send<T>(request, true)).data,
    close: () => pool.close(),
  };
}

function secretValuesOf(body: FormParams | undefined): string[] {
  if (!body) return [];
  return Object.entries(body)
    .filter(([key, value]) => SECRET_PARAMS.has(key) && typeof value === 'string')
    .map(([, value]) => value as string);
}

function redactError<E extends ProxmoxError>(error: E, redactor: Redactor): E {
  const clean = redactor.text(error.message);
  if (clean !== error.message) {
    error.message = clean;
    error.stack = `${error.name}: ${clean}`;
  }
  return error;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isEnvelope(body: unknown): body is Envelope<unknown> {
  return typeof body === 'object' && body !== null && 'data' in body;
}
