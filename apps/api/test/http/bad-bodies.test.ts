// Bodies a client got wrong, on every route that takes one: a 4xx with a code and one sentence, never a 500
// or a stack, and nothing stored changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, quotas, servers, webhooks } from '../../src/db/schema.js';
import { BOB, GUILD, type Harness, startApi } from '../support/api-harness.js';

let api: Harness;
let adminToken: string;

beforeAll(async () => {
  api = await startApi();
  adminToken = api.token(['admin'], 'ops');
});
afterAll(() => api.close());

const BODY_ROUTES = [
  ['POST', '/v1/servers'],
  ['POST', '/v1/tokens'],
  ['POST', '/v1/webhooks'],
  ['PUT', `/v1/quotas/user/${BOB}`],
  ['PUT', `/v1/quotas/guild/${GUILD}`],
] as const;

const JSON_TYPE = 'application/json';
const BAD_JSON: [string, string][] = [
  ['an unfinished object', '{'],
  ['a trailing comma', '{"a":1,}'],
  ['a byte-order mark before broken JSON', '\uFEFF{'],
  ['NaN as a number', '{"maxServers": NaN}'],
  ['single quotes', "{'name':'x'}"],
  ['two documents', '{} {}'],
];
const NOT_JSON_TYPES: [string, string | undefined, string][] = [
  ['text/plain', 'text/plain', '{"name":"x"}'],
  ['a form', 'application/x-www-form-urlencoded', 'name=x&scopes=read'],
  [
    'multipart',
    'multipart/form-data; boundary=b',
    '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
  ],
  ['no content type', undefined, '{"name":"x"}'],
  ['XML', 'application/xml', '<name>x</name>'],
];

function storedRows() {
  const { db } = api.services;
  return [servers, apiTokens, webhooks, quotas].map((table) => db.select().from(table).all().length);
}

async function send(method: string, path: string, body: string | undefined, type: string | undefined) {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
  if (type) headers['content-type'] = type;
  const res = await fetch(`${api.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { error: { code: string; message: string } } };
}

function expectRefusal(
  answer: Awaited<ReturnType<typeof send>>,
  status: number,
  code: string,
  message: RegExp,
) {
  expect(answer.status).toBe(status);
  expect(answer.body.error.code).toBe(code);
  expect(answer.body.error.message).toMatch(message);
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|SyntaxError/);
}

describe('a body that is not JSON', () => {
  const cells = BODY_ROUTES.flatMap(([method, path]) =>
    BAD_JSON.map(([what, body]) => [`${method} ${path}`, what, method, path, body] as const),
  );
  it.each(cells)(
    '%s with %s: 400 invalid_request naming the parse error',
    async (_r, _w, method, path, body) => {
      const before = storedRows();
      const answer = await send(method, path, body, JSON_TYPE);
      expectRefusal(
        answer,
        400,
        'invalid_request',
        /^The body is not valid JSON: .+; send one JSON object\.$/,
      );
      expect(storedRows()).toEqual(before);
    },
  );

  it.each(BODY_ROUTES)('%s %s with an empty body: 400 naming what is missing', async (method, path) => {
    const before = storedRows();
    const answer = await send(method, path, '', JSON_TYPE);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.text).not.toMatch(/\n\s+at /);
    expect(storedRows()).toEqual(before);
  });
});

describe('a body of another media type', () => {
  const cells = BODY_ROUTES.flatMap(([method, path]) =>
    NOT_JSON_TYPES.map(
      ([what, type, body]) => [`${method} ${path}`, what, method, path, type, body] as const,
    ),
  );
  it.each(cells)('%s as %s: 415 unsupported_media_type', async (_r, _w, method, path, type, body) => {
    const before = storedRows();
    const answer = await send(method, path, body, type);
    expectRefusal(
      answer,
      415,
      'unsupported_media_type',
      /^Send the body as JSON with the header Content-Type: application\/json\.$/,
    );
    expect(storedRows()).toEqual(before);
  });
});

describe('numbers that are not numbers', () => {
  it('refuses text where a number belongs, naming the field', async () => {
    const answer = await send('PUT', `/v1/quotas/user/${BOB}`, '{"maxServers":"NaN"}', JSON_TYPE);
    expectRefusal(answer, 400, 'invalid_request', /^maxServers must be a number\.$/);
  });
});
