/** One Server-Sent Events message, as the WHATWG event-stream format defines it. */
export interface SseMessage {
  /** The `id:` of this message, or the last one seen before it (the stream's Last-Event-ID). */
  lastEventId: string;
  event: string;
  data: string;
}

/**
 * An incremental `text/event-stream` parser: feed it text chunks as they arrive (split anywhere; LF, CRLF or
 * CR ends a line), it calls `onMessage` per complete message and `onRetry` for a `retry:` field. Comments
 * (`:`) and unknown fields are ignored.
 */
export function createSseParser(onMessage: (message: SseMessage) => void, onRetry?: (ms: number) => void) {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let lastEventId = '';
  let pendingCr = false;

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onMessage({ lastEventId, event: event || 'message', data: data.join('\n') });
      data = [];
      event = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
  };

  return {
    push(chunk: string): void {
      let text = chunk;
      // A CR at the end of the last chunk may be the first half of a CRLF.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        line(buffer.slice(start, i));
        if (ch === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++;
          } else pendingCr = true;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    /** The id to send as Last-Event-ID when reconnecting. */
    get lastEventId() {
      return lastEventId;
    },
  };
}
