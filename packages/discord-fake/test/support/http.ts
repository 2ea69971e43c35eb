// Raw HTTP against the fake, for the rules a well-behaved client never trips.
import type { FakeDiscord } from '../../src/index.js';

export interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
  headers: Headers;
}

export async function api(
  fake: FakeDiscord,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | undefined } = {},
): Promise<Answer> {
  const res = await fetch(`${fake.restUrl}/v10${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bot ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
