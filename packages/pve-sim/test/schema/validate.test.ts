import { describe, expect, it } from 'vitest';
import {
  type Endpoint,
  findParamSchema,
  type HttpMethod,
  loadSchema,
  PVE_VERSIONS,
  type PveVersion,
} from '../../src/schema/index.js';

function endpoint(version: PveVersion, method: HttpMethod, path: string): Endpoint {
  const m = loadSchema(version).match(method, path);
  if (m.kind !== 'ok') throw new Error(`${method} ${path} not in ${version}`);
  return m.endpoint;
}

function check(
  version: PveVersion,
  method: HttpMethod,
  path: string,
  params: Record<string, unknown>,
  source: 'form' | 'json' = 'form',
) {
  const m = loadSchema(version).match(method, path);
  if (m.kind !== 'ok') throw new Error(`${method} ${path} not in ${version}`);
  return loadSchema(version).validate(m.endpoint, { ...m.pathParams, ...params }, source);
}

const CLONE = '/nodes/pve/qemu/9000/clone';
const CONFIG = '/nodes/pve/qemu/101/config';

describe.each(PVE_VERSIONS)('clone parameters (PVE %s)', (v) => {
  it('accepts a valid clone and coerces types', () => {
    const r = check(v, 'POST', CLONE, { newid: '101', name: 'gs-abc', full: '1', storage: 'local-lvm' });
    expect(r).toEqual({
      ok: true,
      params: { node: 'pve', vmid: 9000, newid: 101, name: 'gs-abc', full: 1, storage: 'local-lvm' },
    });
  });

  it('reports each wrong parameter with PVE wording', () => {
    // check_prop runs the format before minimum/maximum, so pve-vmid answers first for 99.
    expect(check(v, 'POST', CLONE, { newid: '99' })).toEqual({
      ok: false,
      errors: { newid: 'invalid format - value does not look like a valid VM ID\n' },
    });
    expect(check(v, 'POST', CLONE, { newid: '101', bwlimit: '-1' })).toEqual({
      ok: false,
      errors: { bwlimit: 'value must have a minimum value of 0' },
    });
    expect(check(v, 'POST', CONFIG, { cores: '0' })).toEqual({
      ok: false,
      errors: { cores: 'value must have a minimum value of 1' },
    });
    expect(check(v, 'POST', CLONE, { newid: '101', name: 'bad_name!' })).toEqual({
      ok: false,
      errors: { name: 'invalid format - value does not look like a valid DNS name\n' },
    });
    expect(check(v, 'POST', CLONE, { newid: '101', bogus: '1' })).toEqual({
      ok: false,
      errors: {
        bogus: 'property is not defined in schema and the schema does not allow additional properties',
      },
    });
    expect(check(v, 'POST', CLONE, {})).toEqual({
      ok: false,
      errors: { newid: 'property is missing and it is not optional' },
    });
    expect(check(v, 'POST', CLONE, { newid: 'abc' })).toEqual({
      ok: false,
      errors: { newid: "type check ('integer') failed - got 'abc'" },
    });
    expect(check(v, 'POST', CONFIG, { cpulimit: '128.5' })).toEqual({
      ok: false,
      errors: { cpulimit: 'value must have a maximum value of 128' },
    });
    expect(check(v, 'POST', CLONE, { newid: '101', format: 'vdi' })).toEqual({
      ok: false,
      errors: { format: "value 'vdi' does not have a value in the enumeration 'raw, qcow2, vmdk'" },
    });
  });

  it("takes booleans as '0'/'1' from forms, never 'True'", () => {
    expect(check(v, 'POST', CLONE, { newid: '101', full: 'True' })).toEqual({
      ok: false,
      errors: { full: "type check ('boolean') failed - got 'True'" },
    });
    expect(check(v, 'POST', CLONE, { newid: '101', full: 'true' }).ok).toBe(false);
    expect(check(v, 'POST', CLONE, { newid: '101', full: '0' })).toMatchObject({
      ok: true,
      params: { full: 0 },
    });
  });

  it('validates the path parameters too', () => {
    expect(check(v, 'POST', '/nodes/pve/qemu/abc/clone', { newid: '101' })).toEqual({
      ok: false,
      errors: { vmid: "type check ('integer') failed - got 'abc'" },
    });
    expect(check(v, 'POST', '/nodes/bad_node/qemu/100/clone', { newid: '101' })).toEqual({
      ok: false,
      errors: { node: 'invalid format - value does not look like a valid node name\n' },
    });
  });

  it('accepts JSON numbers and 0/1 for JSON bodies', () => {
    const r = check(v, 'POST', CLONE, { newid: 101, full: 1 }, 'json');
    expect(r).toMatchObject({ ok: true, params: { newid: 101, full: 1 } });
    expect(check(v, 'POST', CLONE, { newid: 101.5 }, 'json')).toEqual({
      ok: false,
      errors: { newid: "type check ('integer') failed - got '101.5'" },
    });
  });
});

describe('JSON booleans', () => {
  it.each(['8.4', '9.1'] as const)('are accepted from 8.0 on (PVE %s)', (v) => {
    expect(check(v, 'POST', CLONE, { newid: 101, full: true }, 'json')).toMatchObject({
      ok: true,
      params: { full: 1 },
    });
  });
  it('are rejected by 7.4 (pve-common bug #4778)', () => {
    expect(check('7.4', 'POST', CLONE, { newid: 101, full: false }, 'json')).toEqual({
      ok: false,
      errors: { full: "type check ('boolean') failed - got JSON::PP::Boolean" },
    });
  });
});

describe.each(PVE_VERSIONS)('qemu config (PVE %s)', (v) => {
  it('accepts a network device property string', () => {
    const r = check(v, 'POST', CONFIG, { net0: 'virtio,bridge=vmbr0,tag=10' });
    expect(r).toMatchObject({ ok: true, params: { net0: 'virtio,bridge=vmbr0,tag=10' } });
    expect(check(v, 'POST', CONFIG, { net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr1' }).ok).toBe(true);
  });

  it('rejects unknown and malformed property-string keys', () => {
    expect(check(v, 'POST', CONFIG, { net0: 'virtio,bridge=vmbr0,foo=1' })).toEqual({
      ok: false,
      errors: { net0: 'invalid format - invalid key in comma-separated list property: foo\n' },
    });
    expect(check(v, 'POST', CONFIG, { net0: 'virtio,e1000' })).toEqual({
      ok: false,
      errors: { net0: 'invalid format - duplicate key in comma-separated list property: model\n' },
    });
    expect(check(v, 'POST', CONFIG, { net0: 'virtio,tag=4095' })).toEqual({
      ok: false,
      errors: { net0: 'invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n' },
    });
    expect(check(v, 'POST', CONFIG, { net0: 'bridge=vmbr0' })).toEqual({
      ok: false,
      errors: {
        net0: 'invalid format - format error\nnet0.model: property is missing and it is not optional\n',
      },
    });
    expect(check(v, 'POST', CONFIG, { net0: 'virtio,bridge=vmbr0,macaddr=01:00:00:00:00:00' })).toEqual({
      ok: false,
      errors: {
        net0: 'invalid format - format error\nnet0.macaddr: invalid format - value does not look like a valid unicast MAC address\n\n',
      },
    });
  });

  it('accepts a typical provisioning config', () => {
    const r = check(v, 'POST', CONFIG, {
      cores: '4',
      sockets: '1',
      cpu: 'host',
      scsihw: 'virtio-scsi-pci',
      scsi0: 'local-lvm:32,discard=on,ssd=1',
      ide2: 'local-lvm:cloudinit',
      boot: 'order=scsi0;net0',
      serial0: 'socket',
      vga: 'serial0',
      ostype: 'l26',
      onboot: '1',
      ciuser: 'guild',
      cipassword: 'secret',
      cicustom: 'user=local:snippets/gs.yaml',
      nameserver: '1.1.1.1 8.8.8.8',
      searchdomain: 'example.com',
      hotplug: 'network,disk,usb',
      startup: 'order=2,up=30',
      agent: 'enabled=1',
      balloon: '0',
    });
    expect(r).toMatchObject({
      ok: true,
      params: { cores: 4, onboot: 1, balloon: 0, boot: 'order=scsi0;net0' },
    });
    expect(check(v, 'POST', CONFIG, { cicustom: 'user=snippets/gs.yaml' })).toEqual({
      ok: false,
      errors: {
        cicustom:
          "invalid format - format error\ncicustom.user: invalid format - unable to parse volume ID 'snippets/gs.yaml'\n\n",
      },
    });
    expect(check(v, 'POST', CONFIG, { scsi0: 'local-lvm:32,discard=maybe' }).ok).toBe(false);
  });

  it('knows the range of indexed keys', () => {
    expect(check(v, 'POST', CONFIG, { net31: 'virtio,bridge=vmbr0' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { net32: 'virtio,bridge=vmbr0' })).toEqual({
      ok: false,
      errors: {
        net32: 'property is not defined in schema and the schema does not allow additional properties',
      },
    });
    expect(check(v, 'POST', CONFIG, { scsi30: 'local-lvm:32', scsi31: 'local-lvm:32' })).toEqual({
      ok: false,
      errors: {
        scsi31: 'property is not defined in schema and the schema does not allow additional properties',
      },
    });
    expect(check(v, 'POST', CONFIG, { net01: 'virtio' }).ok).toBe(false);
    const ep = endpoint(v, 'POST', CONFIG);
    expect(findParamSchema(ep, 'ipconfig3')).toBe(ep.parameters.properties['ipconfig[n]']);
    expect(findParamSchema(ep, 'virtio16')).toBeUndefined();
  });

  it('checks cloud-init ipconfig', () => {
    expect(check(v, 'POST', CONFIG, { ipconfig0: 'ip=dhcp' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { ipconfig0: 'ip=10.0.0.5' })).toEqual({
      ok: false,
      errors: {
        ipconfig0:
          'invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n',
      },
    });
    expect(check(v, 'POST', CONFIG, { ipconfig0: 'dhcp' })).toEqual({
      ok: false,
      errors: { ipconfig0: 'invalid format - value without key, but schema does not define a default key\n' },
    });
    const r = check(v, 'POST', CONFIG, { ipconfig0: 'gw=10.0.0.1' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.ipconfig0).toMatch(
      /^invalid format - format error\nipconfig0\.ip: missing property/,
    );
  });

  it('checks tags (case-insensitive, split on ; , and spaces)', () => {
    expect(check(v, 'POST', CONFIG, { tags: 'guildserver;gs-abc' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { tags: 'Bad Tag' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { tags: 'guildserver;bad!tag' })).toEqual({
      ok: false,
      errors: { tags: 'invalid format - invalid characters in tag\n' },
    });
    expect(check(v, 'POST', CONFIG, { tags: '-leading' }).ok).toBe(false);
  });

  it('checks sshkeys as urlencoded', () => {
    const keys = encodeURIComponent('ssh-ed25519 AAAAC3Nz user@host\nssh-rsa AAAAB3 other');
    expect(check(v, 'POST', CONFIG, { sshkeys: keys }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { sshkeys: 'ssh-ed25519+AAAA' })).toEqual({
      ok: false,
      errors: { sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519+AAAA\n' },
    });
  });

  it('checks description length, agent and the force→delete dependency', () => {
    expect(check(v, 'POST', CONFIG, { description: 'x'.repeat(8193) })).toEqual({
      ok: false,
      errors: { description: 'value may only be 8192 characters long' },
    });
    expect(check(v, 'POST', CONFIG, { agent: '1' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { agent: 'enabled=1,fstrim_cloned_disks=1' }).ok).toBe(true);
    const r = check(v, 'PUT', CONFIG, { force: '1' });
    expect(r).toEqual({
      ok: false,
      errors: {
        delete:
          v === '9.1'
            ? "missing property required by 'force'"
            : "missing property - 'force' requires this property",
      },
    });
    expect(check(v, 'PUT', CONFIG, { force: '1', delete: 'net1,ipconfig1' }).ok).toBe(true);
    expect(check(v, 'PUT', CONFIG, { delete: 'net1,1bad' })).toEqual({
      ok: false,
      errors: { delete: "invalid format - invalid configuration ID '1bad'\n" },
    });
  });
});

describe('memory', () => {
  it('is a plain integer in 7.4', () => {
    expect(check('7.4', 'POST', CONFIG, { memory: '4096' })).toMatchObject({
      ok: true,
      params: { memory: 4096 },
    });
    expect(check('7.4', 'POST', CONFIG, { memory: 'current=4096' })).toEqual({
      ok: false,
      errors: { memory: "type check ('integer') failed - got 'current=4096'" },
    });
  });

  it.each(['8.4', '9.1'] as const)('is a property string that still takes an integer (PVE %s)', (v) => {
    expect(check(v, 'POST', CONFIG, { memory: '4096' })).toMatchObject({
      ok: true,
      params: { memory: '4096' },
    });
    expect(check(v, 'POST', CONFIG, { memory: 'current=4096' }).ok).toBe(true);
    expect(check(v, 'POST', CONFIG, { memory: 4096 }, 'json')).toMatchObject({
      ok: true,
      params: { memory: '4096' },
    });
    expect(check(v, 'POST', CONFIG, { memory: '8' })).toEqual({
      ok: false,
      errors: {
        memory: 'invalid format - format error\nmemory.current: value must have a minimum value of 16\n',
      },
    });
  });
});

describe('agent default key', () => {
  it('takes parse_boolean words for a bare value only from 9.x', () => {
    expect(check('9.1', 'POST', CONFIG, { agent: 'true' }).ok).toBe(true);
    expect(check('8.4', 'POST', CONFIG, { agent: 'true' })).toEqual({
      ok: false,
      errors: {
        agent: "invalid format - format error\nagent.enabled: type check ('boolean') failed - got 'true'\n",
      },
    });
    expect(check('8.4', 'POST', CONFIG, { agent: 'enabled=true' }).ok).toBe(true);
  });
});

describe.each(PVE_VERSIONS)('resize and nextid (PVE %s)', (v) => {
  const RESIZE = '/nodes/pve/qemu/101/resize';
  it('accepts sizes like +10G and 32G, rejects others by pattern', () => {
    expect(check(v, 'PUT', RESIZE, { disk: 'scsi0', size: '+10G' }).ok).toBe(true);
    expect(check(v, 'PUT', RESIZE, { disk: 'scsi0', size: '32G' }).ok).toBe(true);
    expect(check(v, 'PUT', RESIZE, { disk: 'scsi0', size: '10GB' })).toEqual({
      ok: false,
      errors: { size: 'value does not match the regex pattern' },
    });
    expect(check(v, 'PUT', RESIZE, { disk: 'scsi0', size: '-1G' }).ok).toBe(false);
    expect(check(v, 'PUT', RESIZE, { disk: 'nvme0', size: '1G' }).ok).toBe(false);
  });

  it('type-checks nextid vmid', () => {
    expect(check(v, 'GET', '/cluster/nextid', {})).toEqual({ ok: true, params: {} });
    expect(check(v, 'GET', '/cluster/nextid', { vmid: '150' })).toEqual({ ok: true, params: { vmid: 150 } });
    expect(check(v, 'GET', '/cluster/nextid', { vmid: 'x' })).toEqual({
      ok: false,
      errors: { vmid: "type check ('integer') failed - got 'x'" },
    });
  });
});

describe('additional properties', () => {
  it('lets the guest agent endpoint take any key', () => {
    expect(check('9.1', 'GET', '/nodes/pve/qemu/101/agent', { anything: 'x' }).ok).toBe(true);
  });
});

describe('array parameters', () => {
  it('validates each item of a repeated form key', () => {
    const ep = endpoint('9.1', 'PUT', '/nodes/pve/qemu/101/config');
    expect(ep.parameters.properties.delete?.type).toBe('string');
    const path = '/cluster/notifications/endpoints/sendmail';
    const send = loadSchema('9.1').match('POST', path);
    if (send.kind !== 'ok') throw new Error('no sendmail endpoint');
    const ok = loadSchema('9.1').validate(
      send.endpoint,
      { name: 'mail1', mailto: ['a@example.com', 'b'] },
      'form',
    );
    expect(ok).toMatchObject({ ok: true, params: { mailto: ['a@example.com', 'b'] } });
    const bad = loadSchema('9.1').validate(
      send.endpoint,
      { name: 'mail1', mailto: ['a@example.com', 'x y'] },
      'form',
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        'mailto[1]': 'invalid format - value does not look like a valid email address or user name\n',
      },
    });
  });
});
