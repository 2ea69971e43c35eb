// Reading requests and writing answers in PVE's wire format.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PveVersion } from '../schema/types.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ParsedBody {
  params: Record<string, unknown>;
  source: 'form' | 'json';
}

export class BodyError extends Error {}

export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyError('request entity too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (text.length === 0) return { params: {}, source: 'form' };
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BodyError('malformed JSON body');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new BodyError('JSON body must be an object');
    return { params: parsed as Record<string, unknown>, source: 'json' };
  }
  return { params: Object.fromEntries(new URLSearchParams(text)), source: 'form' };
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** PVE puts the message in the reason phrase; it must be one line of printable latin-1. */
function reasonPhrase(message: string): string {
  return (
    message
      .split('\n')[0]!
      .replace(/[^\x20-\x7e\xa0-\xff]/g, '?')
      .trim()
      .slice(0, 500) || 'Internal Server Error'
  );
}

export function sendData(res: ServerResponse, data: unknown, extra: Record<string, unknown> = {}): void {
  const body = JSON.stringify({ data: data === undefined ? null : data, ...extra });
  res.writeHead(200, 'OK', {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Failures: status + reason phrase, `{data:null}` (+`errors` for 400), plus `message` from PVE 8.3 on. */
export function sendError(
  res: ServerResponse,
  version: PveVersion,
  status: number,
  message: string,
  errors?: Record<string, string>,
): void {
  const payload: Record<string, unknown> = { data: null };
  if (errors) payload.errors = errors;
  if (version !== '7.4') payload.message = `${message.trimEnd()}\n`;
  const body = JSON.stringify(payload);
  res.writeHead(status, reasonPhrase(message), {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
