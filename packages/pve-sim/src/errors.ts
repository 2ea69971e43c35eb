/** A failure answered the way PVE does: status, reason phrase = message, body `{data:null}` (+message from 8.3). */
export class PveHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Per-parameter errors for a 400 answer. */
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFoundConfig = (node: string, vmid: number) =>
  new PveHttpError(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);

export const paramError = (errors: Record<string, string>) =>
  new PveHttpError(400, 'Parameter verification failed.', errors);

/** Thrown inside a task body: ends the task with this exit status. */
export class TaskFailure extends Error {}

/** A handler result that carries fields beside `data` (PVE adds `total` to task logs). */
export class Envelope {
  constructor(
    readonly data: unknown,
    readonly extra: Record<string, unknown>,
  ) {}
}
