import { describe, expect, it } from 'vitest';
import { checkPermission, loadSchema, type PermissionContext, PVE_VERSIONS } from '../../src/schema/index.js';

function user(acl: Record<string, string[]>, extra: Partial<PermissionContext> = {}): PermissionContext {
  return {
    userid: 'gs@pve!prov',
    isRoot: false,
    has: (path, priv) => (acl[path] ?? []).includes(priv),
    ...extra,
  };
}

describe.each(PVE_VERSIONS)('clone permissions (PVE %s)', (v) => {
  const m = loadSchema(v).match('POST', '/nodes/pve/qemu/9000/clone');
  if (m.kind !== 'ok') throw new Error('no clone endpoint');
  const spec = m.endpoint.permissions;
  const params = { node: 'pve', vmid: 9000, newid: 101 };

  it('needs VM.Clone on the template and VM.Allocate on the new id', () => {
    const ok = user({ '/vms/9000': ['VM.Clone'], '/vms/101': ['VM.Allocate'] });
    expect(checkPermission(spec, params, ok)).toEqual({ ok: true });
  });

  it('names the missing VM.Clone', () => {
    const r = checkPermission(spec, params, user({ '/vms/101': ['VM.Allocate'] }));
    expect(r).toEqual({
      ok: false,
      path: '/vms/9000',
      privs: ['VM.Clone'],
      message: 'Permission check failed (/vms/9000, VM.Clone)',
    });
  });

  it('reports the first failing check of an `or` while PVE answers without detail', () => {
    const r = checkPermission(spec, params, user({ '/vms/9000': ['VM.Clone'] }));
    expect(r).toEqual({
      ok: false,
      path: '/vms/101',
      privs: ['VM.Allocate'],
      message: 'Permission check failed',
    });
  });

  it('accepts VM.Allocate on the pool only when pool is given', () => {
    const acl = user({ '/vms/9000': ['VM.Clone'], '/pool/guild': ['VM.Allocate'] });
    expect(checkPermission(spec, { ...params, pool: 'guild' }, acl)).toEqual({ ok: true });
    expect(checkPermission(spec, params, acl).ok).toBe(false);
  });

  it('lets root@pam through', () => {
    expect(checkPermission(spec, params, user({}, { isRoot: true }))).toEqual({ ok: true });
  });
});

describe('permission expressions', () => {
  const nobody = user({});

  it('handles user all / world and missing specs', () => {
    expect(checkPermission({ user: 'all' }, {}, nobody)).toEqual({ ok: true });
    expect(checkPermission({ user: 'world' }, {}, nobody)).toEqual({ ok: true });
    expect(checkPermission(undefined, {}, nobody)).toMatchObject({
      ok: false,
      message: 'Permission check failed (user != root@pam)',
    });
    expect(checkPermission(undefined, {}, user({}, { isRoot: true }))).toEqual({ ok: true });
  });

  it('checks each privilege, or any of them with `any`', () => {
    const ctx = user({ '/nodes/pve': ['Sys.Audit'] });
    expect(
      checkPermission(
        { check: ['perm', '/nodes/{node}', ['Sys.Audit', 'Sys.Modify']] },
        { node: 'pve' },
        ctx,
      ),
    ).toEqual({
      ok: false,
      path: '/nodes/pve',
      privs: ['Sys.Modify'],
      message: 'Permission check failed (/nodes/pve, Sys.Modify)',
    });
    const any = { check: ['perm', '/nodes/{node}', ['Sys.Modify', 'Sys.Audit'], 'any', 1] };
    expect(checkPermission(any, { node: 'pve' }, ctx)).toEqual({ ok: true });
  });

  it('substitutes missing template parameters with -', () => {
    const r = checkPermission({ check: ['perm', '/storage/{storage}', ['Datastore.Audit']] }, {}, nobody);
    expect(r).toMatchObject({ ok: false, message: 'Permission check failed (/storage/-, Datastore.Audit)' });
  });

  it('evaluates userid-param self', () => {
    const spec = { check: ['or', ['userid-param', 'self'], ['perm', '/access', ['User.Modify']]] };
    const me = user({}, { userid: 'gs@pve' });
    expect(checkPermission(spec, { userid: 'gs@pve' }, me)).toEqual({ ok: true });
    expect(checkPermission(spec, { userid: 'other@pve' }, me).ok).toBe(false);
  });

  it('evaluates perm-modify', () => {
    const spec = { check: ['perm-modify', '{path}'] };
    expect(checkPermission(spec, { path: '/vms/101' }, user({ '/vms/101': ['VM.Allocate'] }))).toEqual({
      ok: true,
    });
    expect(checkPermission(spec, { path: '/vms/101' }, nobody)).toMatchObject({
      ok: false,
      message: 'Permission check failed (/vms/101, Permissions.Modify|VM.Allocate)',
    });
  });
});
