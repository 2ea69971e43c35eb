// A deliberately plain HTTP caller for simulator tests: it shows the wire exactly, with no client logic in between.

import { sleep } from '@guildserver/timing';
import { DEFAULT_SIM_TOKEN } from '../../src/api.js';

export interface RawAnswer {
  status: number;
  reason: string;
  body: { data: unknown; errors?: Record<string, string>; message?: string; total?: number };
}

export interface RawOptions {
  token?: string;
  json?: boolean;
  headers?: Record<string, string>;
}

export function rawClient(baseUrl: string, defaults: RawOptions = {}) {
  return async function call(
    method: string,
    path: string,
    params: Record<string, unknown> = {},
    options: RawOptions = {},
  ): Promise<RawAnswer> {
    const opts = { ...defaults, ...options };
    const token = opts.token ?? `${DEFAULT_SIM_TOKEN.id}=${DEFAULT_SIM_TOKEN.secret}`;
    const headers: Record<string, string> = { authorization: `PVEAPIToken=${token}`, ...opts.headers };
    let url = `${baseUrl}/api2/json${path}`;
    let body: string | undefined;
    const entries = Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]);
    if (method === 'GET') {
      if (entries.length > 0) url += `?${new URLSearchParams(entries)}`;
    } else if (opts.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(params);
    } else if (entries.length > 0) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(entries).toString();
    }
    const res = await fetch(url, { method, headers, body });
    return { status: res.status, reason: res.statusText, body: (await res.json()) as RawAnswer['body'] };
  };
}

export type RawCall = ReturnType<typeof rawClient>;

/** Polls a task until it stops; returns its final status object. */
export async function waitTask(call: RawCall, upid: string): Promise<{ exitstatus: string; status: string }> {
  const node = upid.split(':')[1];
  for (let i = 0; i < 500; i++) {
    const answer = await call('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
    const data = answer.body.data as { status: string; exitstatus: string };
    if (data.status === 'stopped') return data;
    await sleep(10);
  }
  throw new Error(`task ${upid} did not finish`);
}

export async function until<T>(probe: () => Promise<T | undefined>, tries = 500): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(10);
  }
  throw new Error('condition never became true');
}
