// The event-stream parser, fed as a network would: chunks split anywhere.
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../src/sse.js';

describe('the event-stream parser', () => {
  it('handles chunks split anywhere, CRLF, comments, multi-line data, ids and retry', () => {
    const messages: SseMessage[] = [];
    const retries: number[] = [];
    const parser = createSseParser(
      (m) => messages.push(m),
      (ms) => retries.push(ms),
    );
    const text =
      ': keep-alive\r\nretry: 250\r\nid: 7\r\nevent: step.started\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: x\n\nid: 9\ndata: y\n\n';
    for (let i = 0; i < text.length; i += 3) parser.push(text.slice(i, i + 3));
    expect(retries).toEqual([250]);
    expect(messages).toEqual([
      { lastEventId: '7', event: 'step.started', data: '{"a":\n1}' },
      { lastEventId: '7', event: 'message', data: 'x' },
      { lastEventId: '9', event: 'message', data: 'y' },
    ]);
    expect(parser.lastEventId).toBe('9');
  });

  it('reads messages fed one character at a time, CRLF or LF, skipping comments and empty messages', () => {
    const got: SseMessage[] = [];
    const parser = createSseParser((m) => got.push(m));
    const text =
      'retry: 2000\n\n: keep-alive\n\nid: 7\nevent: step.started\ndata: {"a":1}\n\nid: 8\r\ndata: x\r\ndata: y\r\n\r\n';
    for (const ch of text) parser.push(ch);
    expect(got).toEqual([
      { lastEventId: '7', event: 'step.started', data: '{"a":1}' },
      { lastEventId: '8', event: 'message', data: 'x\ny' },
    ]);
  });

  it('ends a line at a bare CR too, even when a chunk ends with it', () => {
    const got: SseMessage[] = [];
    const parser = createSseParser((m) => got.push(m));
    for (const chunk of ['id: 3\rdata: a\r', '\ndata: b\r', '\r']) parser.push(chunk);
    expect(got).toEqual([{ lastEventId: '3', event: 'message', data: 'a\nb' }]);
  });
});
