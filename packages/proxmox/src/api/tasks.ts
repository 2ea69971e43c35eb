import { api } from '../http/path';
import type { ProxmoxHttp } from '../http/transport';
import { parseUpid, type Upid } from '../upid';

export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  /** Set once stopped: `OK`, `WARNINGS: n`, or the error text. */
  exitstatus?: string;
  starttime: number;
  pid?: number;
}

export interface TaskLogLine {
  n: number;
  t: string;
}

export interface TaskLogPage {
  lines: TaskLogLine[];
  /** Total number of lines, when PVE reports it. */
  total: number | undefined;
}

export function tasksApi(http: ProxmoxHttp) {
  return {
    /** Asks the node the task ran on (from the UPID), whatever node the caller thinks of. */
    status: (upid: Upid, signal?: AbortSignal): Promise<TaskStatus> =>
      http.call({ method: 'GET', path: api`/nodes/${parseUpid(upid).node}/tasks/${upid}/status`, signal }),

    log: async (upid: Upid, range: { start?: number; limit?: number } = {}): Promise<TaskLogPage> => {
      const envelope = await http.envelope<TaskLogLine[]>({
        method: 'GET',
        path: api`/nodes/${parseUpid(upid).node}/tasks/${upid}/log`,
        query: { start: range.start ?? 0, limit: range.limit ?? 50 },
      });
      return {
        lines: envelope.data ?? [],
        total: typeof envelope.total === 'number' ? envelope.total : undefined,
      };
    },
  };
}

export type TasksApi = ReturnType<typeof tasksApi>;
