// gamedig, the third-party client every status responder is checked with: one attempt on exactly the port
// given, with short socket time-outs (sub-queries gamedig adds on other transports simply find nothing).
import { GameDig, type QueryOptions, type QueryResult } from 'gamedig';

export function gamedig(type: string, port: number, extra: Partial<QueryOptions> = {}): Promise<QueryResult> {
  return GameDig.query({
    type,
    host: '127.0.0.1',
    port,
    givenPortOnly: true,
    maxRetries: 1,
    socketTimeout: 1_000,
    attemptTimeout: 8_000,
    portCache: false,
    ...extra,
  });
}
