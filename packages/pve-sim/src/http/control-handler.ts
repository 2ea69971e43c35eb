import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultController, FaultDescription } from '../faults.js';
import { readBody } from './wire.js';

export const CONTROL_PREFIX = '/_sim';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const FAULT_KINDS = new Set([
  'fail_nth',
  'lock_timeout',
  'storage_full',
  'task_error',
  'agent_silent',
  'node_offline',
  'slow_tasks',
]);

/**
 * The simulator's own controls, outside /api2: `GET|POST|DELETE /_sim/faults`, `GET /_sim/state` and
 * `GET /_sim/calls` (API calls answered, by method and schema path).
 * POST takes one fault as JSON, e.g. `{"kind":"node_offline","node":"pve2"}`.
 */
export function createControlHandler(faults: FaultController, snapshot: () => unknown, calls: () => unknown) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
    if (route === 'GET /state') return json(res, 200, snapshot());
    if (route === 'GET /calls') return json(res, 200, calls());
    if (route === 'GET /faults') return json(res, 200, faults.describe());
    if (route === 'DELETE /faults') {
      faults.clear();
      return json(res, 200, { cleared: true });
    }
    if (route === 'POST /faults') {
      try {
        const body = (await readBody(req)).params as unknown as FaultDescription;
        if (!FAULT_KINDS.has(body.kind)) {
          return json(res, 400, {
            error: `unknown fault kind '${String(body.kind)}'; use one of ${[...FAULT_KINDS].join(', ')}`,
          });
        }
        faults.apply(body);
        return json(res, 200, faults.describe());
      } catch (error) {
        return json(res, 400, { error: (error as Error).message });
      }
    }
    return json(res, 404, { error: `no simulator control at ${route}` });
  };
}
