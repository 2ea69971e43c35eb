// PVE's permission expressions (pve-access-control RPCEnvironment::check_api2_permissions and
// exec_api2_perm_check), evaluated against a caller-supplied privilege lookup.

import { splitList } from './perl-values.js';
import type { PermissionContext, PermissionResult, PermissionSpec } from './types.js';

/** raise_perm_exc: `what` is the parenthesised detail of the 403 message, if any. */
class PermissionDenied {
  constructor(readonly what?: string) {}
}

interface Failure {
  path: string;
  privs: string[];
}

class Evaluation {
  firstFailure: Failure | undefined;

  constructor(
    private readonly params: Record<string, unknown>,
    private readonly ctx: PermissionContext,
  ) {}

  /** Returns false only when `noerr`; otherwise a failing check throws, as PVE dies. */
  run(check: unknown[], noerr: boolean): boolean {
    const [test, ...args] = check;
    switch (test) {
      case 'and':
        // Subchecks of an `and` always die on failure, even inside an `or`.
        for (const sub of args) this.run(asCheck(sub), false);
        return true;
      case 'or':
        for (const sub of args) if (this.run(asCheck(sub), true)) return true;
        return this.deny(noerr);
      case 'perm':
        return this.perm(args, noerr);
      case 'userid-group':
        return this.useridGroup(args, noerr);
      case 'userid-param':
        return this.useridParam(args, noerr);
      case 'perm-modify':
        return this.permModify(args, noerr);
      default:
        throw new Error(`unknown permission test ${String(test)}`);
    }
  }

  private perm(args: unknown[], noerr: boolean): boolean {
    const [template, privs, ...rest] = args;
    const options = pairs(rest);
    const privList = (privs as string[]) ?? [];
    const requireParam = options.require_param;
    if (typeof requireParam === 'string' && this.params[requireParam] === undefined) {
      this.note(templateReplace(String(template), this.params), privList);
      return this.deny(noerr);
    }
    const path = templateReplace(String(template), this.params);
    return this.checkFull(path, privList, !!options.any, noerr);
  }

  private useridGroup(args: unknown[], noerr: boolean): boolean {
    const [privs, ...rest] = args;
    const privList = privs as string[];
    const options = pairs(rest);
    if (this.checkFull('/access/groups', privList, true, true)) return true;
    const allowed = (group: string) => privList.some((p) => this.ctx.has(`/access/groups/${group}`, p));
    if (options.groups_param) {
      const groups = splitList(String(this.params.groups ?? ''));
      if (groups.length === 0) throw new PermissionDenied(`/access/groups, ${privList.join('|')}`);
      for (const group of groups) {
        if (!allowed(group)) throw new PermissionDenied(`/access/groups/${group}, ${privList.join('|')}`);
      }
    }
    if (options.groups_param !== 'create') {
      const userid = String(this.params.userid ?? '');
      if (!(this.ctx.userGroups?.(userid) ?? []).some(allowed)) return this.deny(noerr);
    }
    return true;
  }

  private useridParam(args: unknown[], noerr: boolean): boolean {
    const userid = String(this.params.userid ?? '');
    if (args[0] === 'self') return userid === this.ctx.userid || this.deny(noerr);
    if (args[0] === 'Realm.AllocateUser') {
      const realm = userid.slice(userid.lastIndexOf('@') + 1);
      return this.checkFull(`/access/realm/${realm}`, ['Realm.AllocateUser'], false, noerr);
    }
    throw new Error('unknown userid-param test');
  }

  private permModify(args: unknown[], noerr: boolean): boolean {
    const path = normalizePath(templateReplace(String(args[0]), this.params));
    if (path === undefined) return false;
    const privs = ['Permissions.Modify'];
    if (/^\/storage\/.+$/.test(path)) privs.push('Datastore.Allocate');
    else if (/^\/vms\/.+$/.test(path)) privs.push('VM.Allocate');
    else if (/^\/pool\/.+$/.test(path)) privs.push('Pool.Allocate');
    return this.checkFull(path, privs, true, noerr);
  }

  private checkFull(rawPath: string, privs: string[], any: boolean, noerr: boolean): boolean {
    const path = normalizePath(rawPath) ?? rawPath;
    if (any) {
      if (privs.some((p) => this.ctx.has(path, p))) return true;
      this.note(path, privs);
      if (noerr) return false;
      throw new PermissionDenied(`${path}, ${privs.join('|')}`);
    }
    for (const priv of privs) {
      if (this.ctx.has(path, priv)) continue;
      this.note(path, [priv]);
      if (noerr) return false;
      throw new PermissionDenied(`${path}, ${priv}`);
    }
    return true;
  }

  private note(path: string, privs: string[]): void {
    this.firstFailure ??= { path, privs };
  }

  private deny(noerr: boolean): false {
    if (noerr) return false;
    throw new PermissionDenied();
  }
}

/**
 * Evaluates an endpoint's `permissions` for a caller. Like PVE, a missing spec (or one without
 * `check` and without `user: 'all'`) admits root@pam only.
 */
export function checkPermission(
  spec: PermissionSpec | undefined,
  params: Record<string, unknown>,
  ctx: PermissionContext,
): PermissionResult {
  if (spec?.user === 'world' || ctx.isRoot) return { ok: true };
  if (!spec) return denied(new PermissionDenied('user != root@pam'), undefined);
  if (spec.user === 'all') return { ok: true };
  if (!spec.check) return denied(new PermissionDenied(), undefined);
  const evaluation = new Evaluation(params, ctx);
  try {
    evaluation.run(spec.check, false);
    return { ok: true };
  } catch (e) {
    if (!(e instanceof PermissionDenied)) throw e;
    return denied(e, evaluation.firstFailure);
  }
}

function denied(e: PermissionDenied, failure: Failure | undefined): PermissionResult {
  const message = e.what ? `Permission check failed (${e.what})` : 'Permission check failed';
  return { ok: false, path: failure?.path ?? '', privs: failure?.privs ?? [], message };
}

function asCheck(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error('malformed permission check');
  return v;
}

function pairs(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

/** PVE::Tools::template_replace: a missing (or Perl-false) parameter becomes '-'. */
function templateReplace(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined || v === null || v === '' || v === '0' || v === 0 ? '-' : String(v);
  });
}

/** PVE::AccessControl::normalize_path. */
export function normalizePath(path: string): string | undefined {
  if (!path) return undefined;
  let p = path.replace(/\/+/g, '/').replace(/\/$/, '');
  if (!p) p = '/';
  if (!p.startsWith('/')) p = `/${p}`;
  return /^[A-Za-z0-9.\-_/]+$/.test(p) ? p : undefined;
}
