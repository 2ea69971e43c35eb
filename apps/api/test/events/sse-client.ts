// A minimal Server-Sent Events reader over fetch, for tests: yields each message's id, event and data.
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseConnection {
  status: number;
  /** The next message (comments skipped), or undefined when the stream ended. */
  next(): Promise<SseMessage | undefined>;
  /** Comment lines seen so far (keep-alives). */
  comments: string[];
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const comments: string[] = [];
  const next = async (): Promise<SseMessage | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { data: '' };
        const data: string[] = [];
        let fields = 0;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'id') message.id = value;
          else if (field === 'event') message.event = value;
          else continue;
          fields++;
        }
        if (fields === 0) continue; // a comment or a bare `retry:`
        message.data = data.join('\n');
        return message;
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffer += value;
    }
  };
  return {
    status: response.status,
    next,
    comments,
    close: () => {
      reader.cancel().catch(() => {});
      abort.abort();
    },
  };
}
