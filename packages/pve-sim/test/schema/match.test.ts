import { describe, expect, it } from 'vitest';
import { loadSchema, PVE_VERSIONS } from '../../src/schema/index.js';

describe.each(PVE_VERSIONS)('match (PVE %s)', (version) => {
  const schema = loadSchema(version);

  it('matches a clone path and decodes its parameters', () => {
    const m = schema.match('POST', '/nodes/pve/qemu/100/clone');
    expect(m.kind).toBe('ok');
    if (m.kind !== 'ok') return;
    expect(m.endpoint.path).toBe('/nodes/{node}/qemu/{vmid}/clone');
    expect(m.endpoint.name).toBe('clone_vm');
    expect(m.pathParams).toEqual({ node: 'pve', vmid: '100' });
  });

  it('decodes URL-encoded segments such as UPIDs', () => {
    const upid = 'UPID:pve:00001234:00005678:65000000:qmclone:100:root@pam:';
    const m = schema.match('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect(m.kind === 'ok' && m.pathParams.upid).toBe(upid);
  });

  it('prefers literal segments over parameters', () => {
    const m = schema.match('GET', '/nodes/pve/qemu/100/status/current');
    expect(m.kind === 'ok' && m.endpoint.path).toBe('/nodes/{node}/qemu/{vmid}/status/current');
    const next = schema.match('GET', '/cluster/nextid');
    expect(next.kind === 'ok' && next.endpoint.path).toBe('/cluster/nextid');
  });

  it('ignores empty segments', () => {
    expect(schema.match('GET', '/nodes//pve/qemu/100/config/').kind).toBe('ok');
  });

  it('answers not_implemented for unknown paths and methods', () => {
    expect(schema.match('GET', '/nodes/pve/qemu/100/nope')).toEqual({ kind: 'not_implemented' });
    expect(schema.match('DELETE', '/cluster/nextid')).toEqual({ kind: 'not_implemented' });
    expect(schema.match('GET', '/nope')).toEqual({ kind: 'not_implemented' });
  });

  it('reaches every endpoint in the file with its own template filled in', () => {
    expect(schema.endpoints.length).toBeGreaterThan(500);
    const unreachable = schema.endpoints.filter((ep) => {
      const params: Record<string, string> = {};
      const path = ep.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        params[name] = `v-${name}`;
        return encodeURIComponent(params[name]);
      });
      const m = schema.match(ep.method, path);
      return m.kind !== 'ok' || m.endpoint !== ep || JSON.stringify(m.pathParams) !== JSON.stringify(params);
    });
    expect(unreachable.map((ep) => `${ep.method} ${ep.path}`)).toEqual([]);
  });

  it('caches the parsed schema per version', () => {
    expect(loadSchema(version)).toBe(schema);
  });
});

it('counts the methods the README lists', () => {
  expect(loadSchema('7.4').endpoints).toHaveLength(540);
  expect(loadSchema('8.4').endpoints).toHaveLength(605);
  expect(loadSchema('9.1').endpoints).toHaveLength(649);
});
