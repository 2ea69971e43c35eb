import type { SimTask } from '../cluster/model.js';
import { Envelope, PveHttpError } from '../errors.js';
import { type Call, type Handler, num, str } from './context.js';

function taskOf({ sim, params }: Call): SimTask {
  const node = str(params, 'node')!;
  const upid = str(params, 'upid')!;
  const task = sim.tasks.find(upid);
  if (!task || task.node !== node) throw new PveHttpError(500, 'no such task');
  return task;
}

export const taskStatus: Handler = (call) => {
  const task = taskOf(call);
  const status: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user: task.user.split('!')[0],
    status: task.status,
  };
  if (task.user.includes('!')) status.tokenid = task.user.split('!')[1];
  if (task.status === 'stopped') status.exitstatus = task.exitstatus;
  return status;
};

/** GET .../log?start=&limit= — lines `{n,t}`; the answer also carries `total` beside `data`. */
export const taskLog: Handler = (call) => {
  const task = taskOf(call);
  const start = num(call.params, 'start') ?? 0;
  const limit = num(call.params, 'limit') ?? 50;
  const lines = task.log.length === 0 ? [{ n: 1, t: 'no content' }] : task.log.slice(start, start + limit);
  return new Envelope(lines, { total: task.log.length });
};

export const listTasks: Handler = ({ sim, params }) => {
  const node = str(params, 'node')!;
  const vmid = num(params, 'vmid');
  const limit = num(params, 'limit') ?? 50;
  return sim.cluster.state.tasks
    .filter((t) => t.node === node && (vmid === undefined || t.id === String(vmid)))
    .slice(-limit)
    .reverse()
    .map((t) => ({
      upid: t.upid,
      node: t.node,
      pid: t.pid,
      pstart: t.pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: t.user,
      ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
    }));
};
