// A responder's verdict on bytes anyone on the internet sent: a responder that throws must not take the edge
// down, so its exception counts as garbage.
import { IGNORE, type Verdict } from './types.js';

export function judge(verdictOf: () => Verdict): Verdict {
  try {
    return verdictOf();
  } catch {
    return IGNORE;
  }
}
