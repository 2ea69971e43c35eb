// A small incremental reader of the text/event-stream format: `id:`, `event:`, `data:` lines, a blank line
// ends a message, `:` starts a comment. Chunks may split lines anywhere; LF or CRLF ends a line
// (the API sends LF; a bare CR is not used by any server we talk to).

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export function createSseReader(onMessage: (message: SseMessage) => void) {
  let pending = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];

  function line(text: string): void {
    if (text === '') {
      if (data.length > 0) onMessage({ id, event: event || 'message', data: data.join('\n') });
      id = undefined;
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }

  return {
    /** Feeds a chunk; every message completed by it is handed to onMessage, in order. */
    push(chunk: string): void {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) line(text.endsWith('\r') ? text.slice(0, -1) : text);
    },
  };
}
