import type { PveVersion } from './types.js';

/** Behaviour of PVE::JSONSchema and friends that changed between the supported releases. */
export interface Dialect {
  version: PveVersion;
  /** JSON true/false accepted for booleans (pve-common fix #4778, 8.0). */
  jsonBooleans: boolean;
  /** Reworded in pve-common 9 (2025-07). */
  requiresMessage(requiredBy: string): string;
  /** A bare value for a boolean default key goes through parse_boolean (9.x). */
  defaultKeyBoolean: boolean;
  /** parse_property_string rejects setting a key and its alias (9.1). */
  aliasConflict: boolean;
  /** parse_size accepts KiB/MiB/GiB/TiB (9.x). */
  sizeIecSuffix: boolean;
  /** parse_id reports IDs shorter than 2 characters separately (9.1). */
  shortIdMessage: boolean;
  /** Perl >= 5.34 (PVE 8+) reads `{,n}` as `{0,n}`; older Perl takes it literally. */
  emptyMinQuantifier: boolean;
  privileges: ReadonlySet<string>;
}

const COMMON_PRIVS = [
  'VM.Config.Disk',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Allocate',
  'VM.Clone',
  'VM.Migrate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Config.CDROM',
  'VM.Config.Cloudinit',
  'VM.Console',
  'VM.Backup',
  'VM.PowerMgmt',
  'VM.Audit',
  'Sys.PowerMgmt',
  'Sys.Modify',
  'Sys.Incoming',
  'Sys.Console',
  'Sys.Syslog',
  'Sys.Audit',
  'Datastore.Allocate',
  'Datastore.AllocateTemplate',
  'Datastore.AllocateSpace',
  'Datastore.Audit',
  'SDN.Allocate',
  'SDN.Audit',
  'Realm.Allocate',
  'User.Modify',
  'Group.Allocate',
  'Realm.AllocateUser',
  'Pool.Allocate',
  'Pool.Audit',
];

// Taken from pve-access-control's $privgroups at each release.
const PRIVS: Record<PveVersion, string[]> = {
  '7.4': [...COMMON_PRIVS, 'VM.Monitor', 'Permissions.Modify'],
  '8.4': [
    ...COMMON_PRIVS,
    'VM.Monitor',
    'Sys.AccessNetwork',
    'SDN.Use',
    'Mapping.Modify',
    'Mapping.Use',
    'Mapping.Audit',
  ],
  '9.1': [
    ...COMMON_PRIVS,
    'Sys.AccessNetwork',
    'SDN.Use',
    'Mapping.Modify',
    'Mapping.Use',
    'Mapping.Audit',
    'VM.GuestAgent.Audit',
    'VM.GuestAgent.FileRead',
    'VM.GuestAgent.FileSystemMgmt',
    'VM.GuestAgent.FileWrite',
    'VM.GuestAgent.Unrestricted',
    'VM.Replicate',
  ],
};

const DIALECTS: Record<PveVersion, Dialect> = {
  '7.4': make('7.4', false),
  '8.4': make('8.4', false),
  '9.1': make('9.1', true),
};

function make(version: PveVersion, nine: boolean): Dialect {
  return {
    version,
    jsonBooleans: version !== '7.4',
    requiresMessage: nine
      ? (by) => `missing property required by '${by}'`
      : (by) => `missing property - '${by}' requires this property`,
    defaultKeyBoolean: nine,
    aliasConflict: nine,
    sizeIecSuffix: nine,
    shortIdMessage: nine,
    emptyMinQuantifier: version !== '7.4',
    privileges: new Set(PRIVS[version]),
  };
}

export function dialectFor(version: PveVersion | undefined): Dialect {
  return DIALECTS[version ?? '9.1'];
}
