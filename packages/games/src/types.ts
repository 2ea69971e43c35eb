import type { GameId } from './ids';
import type { LicenceId } from './licences';
import type { PORT_PURPOSES } from './ports';

/** A VM's size; the same shape as `VmSize` of @guildserver/contracts. */
export interface Resources {
  cores: number;
  /** MiB. */
  memory: number;
  /** GiB. */
  disk: number;
}

export type PortPurpose = (typeof PORT_PURPOSES)[number];
export type PortProtocol = 'tcp' | 'udp' | 'both';

/** One port, or a run of `count` adjacent ports, that the game listens on. */
export interface PortSpec {
  purpose: PortPurpose;
  protocol: PortProtocol;
  /** The port the game uses unless told otherwise; the first of the run when `count` > 1. */
  defaultPort: number;
  /** How many adjacent ports this entry covers. */
  count: number;
  /**
   * The game derives this port from the previous entry (its last port + 1) and cannot be told
   * otherwise, so whoever allocates ports must keep the two adjacent.
   */
  consecutive: boolean;
  /** Players or server browsers reach it; false for ports only the operator's tools use (RCON). */
  public: boolean;
  /** What the port carries, in a few words. */
  note: string;
}

/** `host` passes the node's CPU through (some games crash on generic models); the rest is Proxmox's default. */
export type CpuType = 'host' | 'x86-64-v2-AES';

/** Where the checksum of a vendor download comes from. Never a hash written into this catalog. */
export type ChecksumSource =
  | {
      kind: 'published';
      algorithm: 'sha1' | 'sha256';
      /** Fetched at install time, for the exact version being installed. */
      source: string;
      how: string;
    }
  | {
      /** The vendor publishes no checksum: the playbook can only insist on HTTPS from the vendor's host. */
      kind: 'unpublished';
      how: string;
    };

export interface VendorDownload {
  /** Which build this is, when a game offers several (Paper or vanilla). */
  variant: string;
  /** Where the version to install is looked up. */
  versionSource: string;
  /** `<placeholders>` are filled from the version lookup. */
  urlPattern: string;
  checksum: ChecksumSource;
}

export type InstallRoute =
  | {
      kind: 'debian-package';
      /** apt packages, the game's own first. */
      packages: readonly [string, ...string[]];
    }
  | {
      kind: 'steamcmd';
      /** The dedicated server's Steam app id, installed with an anonymous login. */
      appId: number;
    }
  | {
      kind: 'vendor-download';
      downloads: readonly [VendorDownload, ...VendorDownload[]];
      /** A runtime the download needs, with the Debian 12 package that provides it. */
      runtime?: { name: string; debianPackage: string; aptSource: string };
    };

/**
 * How to tell the game is up and how many players are on. `port` is one of the game's `defaultPort`s
 * (or inside one of its runs); the caller maps it to the port allocated to the server.
 */
export type QuerySpec = QueryRoute & {
  /**
   * How long after its install or VM start the game may take to answer before it counts as broken: a
   * first start generates the world (and SteamCMD games load large maps), so this is generous.
   */
  readyWithinSeconds: number;
};

export type QueryRoute =
  | {
      kind: 'gamedig';
      /** gamedig's game id (`gamedig --type <type>`). */
      type: string;
      port: number;
      transport: 'tcp' | 'udp';
      /** Conditions for the query to answer, in one or two sentences. */
      notes: string;
    }
  | {
      kind: 'probe';
      /** Source RCON (TCP): authenticate, run a command, read its answer. */
      protocol: 'source-rcon';
      port: number;
      transport: 'tcp';
      command: string;
      /** How the player count is read from the answer. */
      players: string;
    }
  | {
      kind: 'probe';
      /** Luanti's UDP transport: an opening packet that any running server answers. */
      protocol: 'luanti-hello';
      port: number;
      transport: 'udp';
      /** The datagram to send, hex. */
      requestHex: string;
      /** What answer means "up". */
      upWhen: string;
      /** Luanti has no player-count query of its own. */
      players: 'unavailable';
    };

interface SettingBase {
  /** camelCase, stable: stored with each server. */
  key: string;
  /** At most 45 characters (a Discord modal label). */
  label: string;
  description?: string;
}

/** One thing a server's owner may change, with what the config modal must enforce. */
export type GameSetting =
  | (SettingBase & {
      type: 'string';
      default: string;
      minLength: number;
      maxLength: number;
      /** A regular expression (source text) the whole value must match. */
      pattern?: string;
    })
  | (SettingBase & {
      /** Never echoed. When `required` and left empty, the API generates one and shows it to the owner. */
      type: 'password';
      required: boolean;
      minLength: number;
      maxLength: number;
    })
  | (SettingBase & { type: 'integer'; default: number; min: number; max: number })
  | (SettingBase & { type: 'boolean'; default: boolean })
  | (SettingBase & { type: 'enum'; default: string; options: readonly [string, ...string[]] });

/**
 * How the game's world is made consistent on disk before a snapshot backup (the VM keeps running), and let go
 * after. `rcon`: commands through the game's RCON — saving and, where the game can, holding writes.
 * `stop-service`: the game cannot be told to save, so its unit is stopped (it saves on exit) and started again.
 */
export type BackupHold =
  | {
      kind: 'rcon';
      /**
       * The RCON password: `server-secret` is the one GuildServer derives per server and passes to the playbook
       * (`guildserver_rcon_password`); `adminPassword` is that generated setting (ARK's RCON is its admin login).
       */
      password: 'server-secret' | 'adminPassword';
      before: readonly [string, ...string[]];
      after: readonly string[];
      /** The RCON command that shows players a message in-game; `{message}` is replaced by it. */
      say: `${string}{message}${string}`;
    }
  | { kind: 'stop-service' };

export interface BackupSpec {
  hold: BackupHold;
  /** Where the world lives inside the VM (the role's data directory), for operators and the lab's checks. */
  worldDir: `/srv/guildserver/${string}`;
}

/**
 * How an idle server sleeps. `hibernate`: the VM's memory is written to disk (Proxmox suspend to disk) and read
 * back on wake — the game resumes where it was, no boot, no world load; while asleep it costs disk (PVE sizes the
 * state volume at twice the memory plus 500 MiB).
 * `shutdown`: the VM powers off (the game saves as its unit stops) and boots on wake.
 * Every game hibernates: on the lab's emulated VMs a join → the game answering took 6–12 s resumed against 44–73 s
 * booted (packages/lab/README.md, "Idle sleep on real VMs").
 */
export type SleepMethod = 'hibernate' | 'shutdown';

export interface GameDefinition {
  id: GameId;
  name: string;
  ports: readonly PortSpec[];
  resources: { default: Resources; minimum: Resources };
  cpu: CpuType;
  install: InstallRoute;
  /** Path inside ansible/. */
  playbook: `playbooks/${string}.yml`;
  settings: readonly GameSetting[];
  query: QuerySpec;
  backup: BackupSpec;
  sleep: SleepMethod;
  /** Licences to accept before installing; the playbook refuses until each `ansibleVar` is true. */
  licences: readonly LicenceRequirement[];
}

export interface LicenceRequirement {
  licence: LicenceId;
  /** The playbook variable that accepts it (the API sets it to true once GAME_LICENSES_ACCEPTED lists it). */
  ansibleVar: string;
}
