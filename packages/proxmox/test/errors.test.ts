import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../src/errors/from-response';
import {
  AgentNotConfiguredError,
  AgentNotRunningError,
  AlreadyExistsError,
  AuthFailedError,
  InvalidParamsError,
  LockTimeoutError,
  NodeOfflineError,
  NotFoundError,
  PermissionDeniedError,
  ProxmoxApiError,
  VmLockedError,
  VmNotRunningError,
} from '../src/index';

const failed = (status: number, statusText: string, body: unknown = { data: null }) =>
  errorFromResponse({ method: 'POST', path: '/nodes/pve/qemu/101/config', status, statusText, body });

describe('errorFromResponse', () => {
  it('maps 401 and 403', () => {
    expect(failed(401, 'authentication failure')).toBeInstanceOf(AuthFailedError);
    const denied = failed(403, 'Permission check failed (/vms/101, VM.Allocate)');
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect(denied.code).toBe('permission_denied');
    expect(denied.message).toContain('VM.Allocate');
  });

  it('reads the reason phrase (all versions) and prefers `message` (8.3+)', () => {
    expect(failed(500, "Configuration file 'nodes/pve/qemu-server/101.conf' does not exist")).toBeInstanceOf(
      NotFoundError,
    );
    const fromBody = failed(500, 'Internal Server Error', {
      data: null,
      message: "Configuration file 'nodes/pve/qemu-server/101.conf' does not exist\n",
    });
    expect(fromBody).toBeInstanceOf(NotFoundError);
    expect(fromBody.message).not.toMatch(/\n$/);
    expect(failed(404, 'Not Found')).toBeInstanceOf(NotFoundError);
  });

  it('maps lock, existence and offline errors', () => {
    const locked = failed(500, 'VM is locked (clone)');
    expect(locked).toBeInstanceOf(VmLockedError);
    expect((locked as VmLockedError).lock).toBe('clone');
    expect(failed(500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout")).toBeInstanceOf(
      LockTimeoutError,
    );
    expect(failed(500, "VM 100 already exists on node 'pve'")).toBeInstanceOf(AlreadyExistsError);
    const offline = failed(595, 'No route to host');
    expect(offline).toBeInstanceOf(NodeOfflineError);
    expect(offline.status).toBe(595);
  });

  it('maps guest-agent "not yet" answers', () => {
    expect(failed(500, 'No QEMU guest agent configured')).toBeInstanceOf(AgentNotConfiguredError);
    expect(failed(500, 'QEMU guest agent is not running')).toBeInstanceOf(AgentNotRunningError);
    expect(
      failed(500, "VM 101 qmp command 'guest-network-get-interfaces' failed - got timeout"),
    ).toBeInstanceOf(AgentNotRunningError);
    expect(failed(500, 'VM 101 is not running')).toBeInstanceOf(VmNotRunningError);
    expect(failed(500, 'VM 101 not running')).toBeInstanceOf(VmNotRunningError);
  });

  it('400 carries the per-field map', () => {
    const error = failed(400, 'Parameter verification failed.', {
      data: null,
      errors: {
        memory: 'value must have a minimum value of 16',
        name: 'invalid format - value does not look like a valid DNS name\n',
      },
    });
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as InvalidParamsError).errors).toEqual({
      memory: 'value must have a minimum value of 16',
      name: 'invalid format - value does not look like a valid DNS name',
    });
    expect(error.message).toContain('memory: value must have a minimum value of 16');
  });

  it('400 "VM N already exists" from nextid is already_exists', () => {
    const error = failed(400, 'Parameter verification failed.', {
      data: null,
      errors: { vmid: 'VM 100 already exists' },
    });
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect(error.code).toBe('already_exists');
  });

  it('anything else is api_error with status and text', () => {
    const error = failed(500, 'something odd');
    expect(error).toBeInstanceOf(ProxmoxApiError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('something odd');
  });

  it('serialises with code and without the stack', () => {
    const json = JSON.parse(JSON.stringify(failed(403, 'Permission check failed (/vms/101, VM.Allocate)')));
    expect(json).toMatchObject({ code: 'permission_denied', status: 403, name: 'PermissionDeniedError' });
    expect(json.stack).toBeUndefined();
  });
});
