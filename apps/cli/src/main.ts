#!/usr/bin/env node
// `gs`: the operator's and the demo's command line. It talks to the GuildServer API only (API_URL,
// API_TOKEN, or the local stack's data/stack.json); `up` starts that local stack, `demo` tours the
// Proxmox client on a real cluster.
import { ApiError } from '@guildserver/api-client';
import { ConfigError } from '@guildserver/config';
import { TOKEN_SCOPES } from '@guildserver/contracts';
import { createProxmoxClient, ProxmoxError, toProxmoxClientOptions } from '@guildserver/proxmox';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import {
  backupNow,
  copyBackup,
  deleteBackup,
  listBackups,
  pinBackup,
  restoreBackup,
  undeleteServer,
} from './commands/backups.js';
import { capacity } from './commands/capacity.js';
import { games } from './commands/catalog.js';
import { createCommandContext } from './commands/context.js';
import { discordClick, discordMessages, discordSay, discordSubmit } from './commands/discord.js';
import { edgeDown, edgeRules, edgeStatus, edgeUp } from './commands/edge.js';
import { buildImages, listImages } from './commands/images.js';
import { poolStatus } from './commands/pool.js';
import { queryAddress } from './commands/query.js';
import { getQuota, parseLimit, setQuota } from './commands/quotas.js';
import {
  addSchedule,
  guildSettings,
  listSchedules,
  offWindow,
  parseEvery,
  removeSchedule,
} from './commands/schedules.js';
import { createServer, list, serverAction, status, watch } from './commands/servers.js';
import { createToken, listTokens, revokeToken } from './commands/tokens.js';
import { type CliEnvironment, readCliEnvironment } from './config.js';
import { consoleReporter } from './console-reporter.js';
import { type DemoSettings, runDemo } from './demo-flow.js';
import { CliError } from './errors.js';
import { runLocalStack } from './stack/local-stack.js';

const NAME = 'gs';
const print = (line = '') => process.stdout.write(`${line}\n`);
const wantsJson = process.argv.includes('--json');

/** One sentence on stderr (and, with --json, the same as a JSON document on stdout), exit code 1. */
function fail(sentence: string, code = 'cli_error'): never {
  if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { code, message: sentence } }, null, 2)}\n`);
  process.stderr.write(`${NAME}: ${sentence}\n`);
  process.exit(1);
}

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('it must be a number above 0.');
  return n;
};
const port = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('it must be a whole number from 0 to 65535.');
  return Number(value);
};
const pageSize = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100)
    throw new InvalidArgumentError('it must be a whole number from 1 to 100.');
  return Number(value);
};
const snowflake = (what: string) => (value: string) => {
  if (!/^\d{17,20}$/.test(value))
    throw new InvalidArgumentError(`it must be a Discord ${what} id (17 to 20 digits).`);
  return value;
};

let env: CliEnvironment | undefined;
const environment = () => {
  env ??= readCliEnvironment(process.env);
  return env;
};
const context = () => createCommandContext(environment(), environment().color);
/** Runs a command and keeps its exit code. */
const run =
  <A extends unknown[]>(command: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    process.exitCode = await command(...args);
  };

const jsonOption = () => new Option('--json', 'print one JSON document instead of text');
const watchOption = () => new Option('--watch', 'follow the job step by step until it succeeds or fails');
const guildOption = () =>
  new Option('--guild <id>', 'the Discord guild, to tell apart servers of the same name').argParser(
    snowflake('guild'),
  );

const program = new Command(NAME)
  .description('GuildServer: game servers for a Discord community on its own Proxmox VE cluster.')
  .addHelpText(
    'after',
    '\nIt talks to the API at API_URL with the token API_TOKEN. When they are unset it finds the local stack\n' +
      'that `bash scripts/start.sh` (gs up) started through ./data/stack.json (or GS_STATE_FILE).\n' +
      'Every command takes --json for one JSON document on stdout; errors are one sentence, exit code 1.\n',
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => !text.startsWith('error:') && process.stderr.write(text) })
  .showSuggestionAfterError(true);

program
  .command('create <game> <name>')
  .description('create a game server (gs games lists the games; names are 3-32 of a-z, 0-9 and -)')
  .option('--size <size>', 'cores=4,memory=8192,disk=32 (any of them; memory in MiB, disk in GiB)')
  .addOption(
    new Option('--guild <id>', 'Discord guild it belongs to (default: GS_GUILD_ID)').argParser(
      snowflake('guild'),
    ),
  )
  .addOption(
    new Option('--owner <id>', 'Discord user who owns it (default: GS_OWNER_ID)').argParser(
      snowflake('user'),
    ),
  )
  .addOption(
    new Option('--channel <id>', 'Discord channel for its notices (default: GS_CHANNEL_ID)').argParser(
      snowflake('channel'),
    ),
  )
  .addOption(watchOption())
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nWithout the flags it reads GS_GUILD_ID, GS_OWNER_ID and GS_CHANNEL_ID; on the local stack\n' +
      "(bash scripts/start.sh) it then uses the fake Discord's guild, its admin user demo and #general.\n\n" +
      'Example: gs create minecraft-java survival --size cores=4,memory=8192 --watch\n',
  )
  .action(run((game: string, name: string, options) => createServer(context(), game, name, options)));

program
  .command('list')
  .description('list servers, oldest first')
  .addOption(new Option('--guild <id>', 'only this Discord guild').argParser(snowflake('guild')))
  .addOption(new Option('--owner <id>', "only this Discord user's").argParser(snowflake('user')))
  .option('--all', 'every page, not only the first', false)
  .option('--limit <n>', 'servers per page, 1 to 100', pageSize, 25)
  .addOption(jsonOption())
  .action(run((options) => list(context(), options)));

program
  .command('status <server>')
  .description('one server: state, address, size, VM, ports and its last job (by name or id)')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, options) => status(context(), server, options)));

const actions = {
  start: 'start a stopped server',
  stop: 'stop a running server (graceful shutdown, then stop)',
  restart: 'restart a running server',
  wake: 'wake a sleeping server (an idle server sleeps after its idle-sleep without players)',
  delete: 'delete a server: stop it, make a final backup, destroy its VM, release its ports',
  retry: 'run a failed server’s last job again, from the step that failed',
} as const;
for (const [action, description] of Object.entries(actions) as [keyof typeof actions, string][]) {
  const command = program
    .command(`${action} <server>`)
    .description(`${description} (by name or id)`)
    .addOption(guildOption())
    .addOption(watchOption())
    .addOption(jsonOption())
    .action(run((server: string, options) => serverAction(context(), action, server, options)));
  if (action === 'delete')
    command
      .option('--no-final-backup', 'skip the final backup: the delete cannot be undone')
      .addHelpText(
        'after',
        '\nThe final backup stays listed under the server id: gs backup list <server id>.\n',
      );
}

program
  .command('watch <target>')
  .description("follow a job live, step by step: a server's current job (by name or id) or a job id")
  .addOption(guildOption())
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nEnds when the job does: exit code 0 with the address to join, or 1 with the failing step and why.\n',
  )
  .action(run((target: string, options) => watch(context(), target, options)));

const backup = program
  .command('backup')
  .description("a server's backups: make, list, pin, delete and restore them")
  .addHelpText(
    'after',
    "\nSERVER is a name or a server id (a deleted server's backups stay listed under its id). BACKUP is an id\n" +
      'as `gs backup list` shows it, the full id, latest, or any unique beginning or end of the id.\n',
  );
backup
  .command('now <server>')
  .description('back a server up now (the game saves first) and follow the job to the backup it made')
  .option('--pin', 'pin the new backup: never pruned, cannot be deleted until unpinned')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, options) => backupNow(context(), server, options)));
backup
  .command('list <server>')
  .description("a server's backups, newest first, with the guild's backup quota and the retention")
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, options) => listBackups(context(), server, options)));
backup
  .command('pin <server> <backup>')
  .description('pin a backup: the retention never prunes it and it cannot be deleted')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, id: string, options) => pinBackup(context(), server, id, true, options)));
backup
  .command('unpin <server> <backup>')
  .description('unpin a backup: the retention may prune it again')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, id: string, options) => pinBackup(context(), server, id, false, options)));
backup
  .command('delete <server> <backup>')
  .description('delete a backup for good (unpin it first)')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, id: string, options) => deleteBackup(context(), server, id, options)));
backup
  .command('restore <server> <backup>')
  .description(
    "replace a server's world with a backup (the current world is backed up first) and follow the job",
  )
  .option('--yes', 'do not ask for confirmation (needed without a terminal)')
  .addOption(guildOption())
  .addOption(jsonOption())
  .addHelpText('after', '\nExample: gs backup restore survival latest --yes\n')
  .action(run((server: string, id: string, options) => restoreBackup(context(), server, id, options)));
backup
  .command('copy <server> <backup> <new-name>')
  .description(
    "a new server with a backup's world, under another name (same game, size and guild; its own address), followed to running",
  )
  .option('--channel <id>', "the Discord channel for the new server's notices (default: the source's)")
  .addOption(guildOption())
  .addOption(jsonOption())
  .addHelpText('after', '\nExample: gs backup copy survival latest survival-test\n')
  .action(
    run((server: string, id: string, name: string, options) =>
      copyBackup(context(), server, id, name, options),
    ),
  );

backup
  .command('undelete <server-id> [backup]')
  .description(
    'bring a deleted server back from its final backup (its newest, or the one named): same name, a new VM',
  )
  .addOption(jsonOption())
  .addHelpText('after', '\nExample: gs backup undelete srv_4f2k9x0a1b2c\n')
  .action(
    run((server: string, id: string | undefined, options) => undeleteServer(context(), server, id, options)),
  );

const schedule = program
  .command('schedule')
  .description("a server's schedules: restart, back up, stop or start it daily, or back it up every N hours")
  .addHelpText(
    'after',
    "\nTimes are HH:MM, 24-hour, in the guild's time zone (UTC until set: gs guild settings <guild id> --time-zone …).\n" +
      'SERVER is a name or a server id. A scheduled restart warns the players 5 and 1 minutes before.\n\n' +
      'Examples:\n' +
      '  gs schedule add survival restart 04:30\n' +
      '  gs schedule add survival backup every 6h\n' +
      '  gs schedule off survival 02:00 16:00\n' +
      '  gs schedule remove survival sch_4f\n',
  );
schedule
  .command('list <server>')
  .description("a server's schedules with their next and last runs, in the guild's time zone")
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, options) => listSchedules(context(), server, options)));
schedule
  .command('add <server> <action> [when...]')
  .description(
    'add a schedule: ACTION is restart, backup, stop or start; WHEN is HH:MM (daily) or, for a backup, every <N>h',
  )
  .addOption(
    new Option('--every <hours>', 'a backup every N hours (1, 2, 3, 4, 6, 8 or 12), from midnight').argParser(
      parseEvery,
    ),
  )
  .addOption(guildOption())
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nExamples:\n' +
      '  gs schedule add survival restart 04:30     every day at 04:30 (players are warned 5 and 1 min before)\n' +
      '  gs schedule add survival backup 03:00      a backup every day at 03:00\n' +
      '  gs schedule add survival backup every 6h   a backup at 00:00, 06:00, 12:00 and 18:00 (same as --every 6)\n' +
      '  gs schedule add survival stop 02:00        (gs schedule off makes a stop and a start at once)\n',
  )
  .action(
    run((server: string, action: string, when: string[], options) =>
      addSchedule(context(), server, action, when, options),
    ),
  );
schedule
  .command('off <server> <from> <to>')
  .description('keep a server off every day from FROM to TO (HH:MM): a stop at FROM and a start at TO')
  .addOption(guildOption())
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nMakes two schedules, or neither when one is refused. Example: gs schedule off survival 02:00 16:00\n',
  )
  .action(
    run((server: string, from: string, to: string, options) =>
      offWindow(context(), server, from, to, options),
    ),
  );
schedule
  .command('remove <server> <schedule>')
  .description('remove a schedule by its id (sch_…, from gs schedule list) or a unique beginning of it')
  .addOption(guildOption())
  .addOption(jsonOption())
  .action(run((server: string, id: string, options) => removeSchedule(context(), server, id, options)));

const guild = program.command('guild').description("a guild's own settings");
guild
  .command('settings <guildId>')
  .description(
    "show a guild's settings (the time zone of its schedules, its admin channel, its idle sleep); with options, change them (its admins or an admin token)",
  )
  .option(
    '--time-zone <zone>',
    'IANA time zone of its schedules, such as Europe/Berlin (every schedule moves)',
  )
  .addOption(
    new Option(
      '--admin-channel <id>',
      'a Discord channel where failed schedules are also reported',
    ).argParser(snowflake('channel')),
  )
  .option('--no-admin-channel', 'report failed schedules only in the server’s own channel')
  .option(
    '--idle-sleep <after>',
    'after how long without players its servers sleep: 30m, 2h, off, or default (IDLE_SLEEP_AFTER)',
  )
  .option(
    '--idle-sleep-max <longest>',
    'the longest idle-sleep owners may choose for their server: 4h, off (any), or default (the guild’s idle-sleep)',
  )
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nExample: gs guild settings 100000000000000001 --time-zone Europe/Berlin --idle-sleep 45m\n',
  )
  .action(run((guildId: string, options) => guildSettings(context(), guildId, options)));

program
  .command('games')
  .description('the games GuildServer can host, with their sizes and ports')
  .addOption(jsonOption())
  .action(run((options) => games(context(), options)));

program
  .command('query <game> <address>')
  .description(
    "ask the game at ADDRESS (host or host:port; the port defaults to the game's query port) whether it answers, as a player's client would",
  )
  .option('--timeout <seconds>', 'how long the game may take to answer', positiveNumber, 5)
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nIt needs no API: run it from outside the community network to check that the address Discord shows\n' +
      'leads to the game. Exit code 0 when the game answered, 1 when it did not (and why).\n\n' +
      'Example: gs query openttd play.example.net:20001\n',
  )
  .action(run((game: string, address: string, options) => queryAddress(context(), game, address, options)));

const token = program.command('token').description('API tokens (needs an admin token)');
token
  .command('create')
  .description('create an API token; it is printed once, on stdout')
  .requiredOption('--name <name>', 'what the token is for, e.g. discord-bot')
  .requiredOption('--scope <scopes>', `comma-separated: ${TOKEN_SCOPES.join(', ')}`)
  .addOption(jsonOption())
  .action(run((options) => createToken(context(), options)));
token
  .command('list')
  .description('every token: id, name, scopes, created, revoked (never the tokens themselves)')
  .addOption(jsonOption())
  .action(run((options) => listTokens(context(), options)));
token
  .command('revoke <id>')
  .description('revoke a token by its id (tok_…, from gs token list); it stops working at once')
  .addOption(jsonOption())
  .action(run((id: string, options) => revokeToken(context(), id, options)));

const image = program
  .command('image')
  .description(
    'game images: templates a create clones instead of installing the game (needs an admin token)',
  );
image
  .command('list')
  .description(
    "the images Proxmox holds; a current one (built from today's recipe) is what creates of its game clone",
  )
  .option('--recipes', 'also print, per game, the tags and description line that mark an image built by hand')
  .addOption(jsonOption())
  .action(run((options) => listImages(context(), options)));
image
  .command('build [game]')
  .description(
    "build a game's image now (or every game's with --all): the base template copied, the game installed with --tags install, sealed, made a template; then followed to its end",
  )
  .option('--all', "every game's image (games whose licence is not accepted are skipped, with why)")
  .option('--no-wait', 'queue the builds and return; follow them with gs image list or the events')
  .addOption(jsonOption())
  .action(run((game: string | undefined, options) => buildImages(context(), game, options)));

program
  .command('pool')
  .description(
    'the warm pool: spare VMs made from game images ahead of time, taken by creates (needs an admin token)',
  )
  .command('status')
  .description(
    'per game, the spare VMs WARM_POOL asks for, those ready and being made, the image they come from, and each pool VM',
  )
  .addOption(jsonOption())
  .action(run((options) => poolStatus(context(), options)));

program
  .command('capacity')
  .description(
    'per node, the memory held by servers that are up, and what sleeping and stopped ones gave back (needs an admin token)',
  )
  .addOption(jsonOption())
  .action(run((options) => capacity(context(), options)));

const quota = program
  .command('quota')
  .description("a guild's or a user's limits: servers, cores, memory (needs an admin token)");
quota
  .command('get <scope> <id>')
  .description('the limits in force and what is used now; scope is guild or user, id a Discord id')
  .addOption(jsonOption())
  .action(run((scope: string, id: string, options) => getQuota(context(), scope, id, options)));
quota
  .command('set <scope> <id>')
  .description('change limits (the others stay); scope is guild or user, id a Discord id')
  .addOption(new Option('--servers <n>', 'servers at once, or default').argParser(parseLimit))
  .addOption(new Option('--cores <n>', 'cores of all its servers, or default').argParser(parseLimit))
  .addOption(
    new Option('--memory <MiB>', 'memory of all its servers in MiB, or default').argParser(parseLimit),
  )
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\n`default` falls back to QUOTA_GUILD_* / QUOTA_USER_* of the API. Example:\n' +
      '  gs quota set user 140000000000000042 --servers 5 --memory 65536\n',
  )
  .action(run((scope: string, id: string, options) => setQuota(context(), scope, id, options)));

const edge = program
  .command('edge')
  .description('the edge: the host that forwards the published game ports to the VMs (nftables)');
edge
  .command('up')
  .description(
    "run the edge daemon in the foreground: follow the API's forwarding table and apply it with nft, and answer for sleeping servers on their ports (EDGE_ASLEEP_ADDRESS; Ctrl-C stops it and leaves the table in force)",
  )
  .option('--dry', 'compute, report and show the table, never touch nftables (EDGE_MODE=dry; no root needed)')
  .addOption(
    new Option('--snat <when>', 'source NAT (EDGE_SNAT): auto, always or never').choices([
      'auto',
      'always',
      'never',
    ]),
  )
  .option('--name <name>', 'how this edge reports itself (EDGE_NAME; default: the host name)')
  .option('--netns <name>', 'apply inside this network namespace (EDGE_NETNS; the lab and tests)')
  .addHelpText(
    'after',
    '\nNeeds API_URL (or the local stack) and EDGE_API_TOKEN, a token with the edge scope:\n' +
      '  gs token create --name edge --scope edge\n' +
      'Also read: EDGE_MODE, EDGE_SNAT, EDGE_NAME, EDGE_RESYNC_SECONDS, EDGE_METRICS_HOST, EDGE_METRICS_PORT\n' +
      '(Prometheus /metrics, default 127.0.0.1:9466; 0 = off), EDGE_NETNS. Runs as root (or CAP_NET_ADMIN) unless --dry.\n',
  )
  .action(run((options) => edgeUp(context(), options)));
edge
  .command('down')
  .description('remove the table inet guildserver from this host: every forward the edge made stops at once')
  .option('--netns <name>', 'in this network namespace')
  .addOption(jsonOption())
  .action(run((options) => edgeDown(context(), options)));
edge
  .command('rules')
  .description('print the forwarding table as rules to paste (for a router configured by hand)')
  .addOption(new Option('--format <format>', 'nft or iptables').choices(['nft', 'iptables']).default('nft'))
  .option('--snat', 'also masquerade the forwarded flows (the router is not the VMs’ gateway)', false)
  .action(run((options) => edgeRules(context(), options)));
edge
  .command('status')
  .description("every edge's last report: mode, applied generation against the API's, lag, stale, problem")
  .addOption(jsonOption())
  .action(run((options) => edgeStatus(context(), options)));

program
  .command('up')
  .description(
    'start the local stack on embedded defaults: simulated Proxmox VE, Redis, the API and a worker, the Discord bot (each restarted when it crashes; Ctrl-C stops it all)',
  )
  .option('--data-dir <dir>', 'where the database, Redis, the simulated cluster and the logs live', './data')
  .option('--api-port <port>', 'API port (falls back to a free one when taken; 0 picks one)', port, 8080)
  .option('--sim-port <port>', 'simulator port (falls back to a free one when taken)', port, 8006)
  .option(
    '--time-scale <factor>',
    'speed of simulated Proxmox work (1 = real durations)',
    positiveNumber,
    0.2,
  )
  .option('--smoke', 'create one server, wait until it runs, delete it, then stop everything (for CI)', false)
  .option('--no-discord', 'do not start the Discord bot (nor the fake Discord)')
  .option(
    '--no-accept-licences',
    "do not accept the games' licences on your behalf (without GAME_LICENSES_ACCEPTED it accepts them all for the demo)",
  )
  .action(
    run(
      async (options: {
        dataDir: string;
        apiPort: number;
        simPort: number;
        timeScale: number;
        smoke: boolean;
        discord: boolean;
        acceptLicences: boolean;
      }) => {
        const out = createCommandContext(environment(), environment().color).out;
        return runLocalStack(environment(), options, out);
      },
    ),
  );

const discord = program
  .command('discord')
  .description(
    "type into the local stack's fake Discord as a user, and see what they see (no Discord account needed)",
  )
  .addHelpText(
    'after',
    '\nNeeds the local stack (bash scripts/start.sh) started without DISCORD_TOKEN. Examples:\n' +
      '  pnpm discord say "/server create game:minecraft-java name:survival"\n' +
      '  pnpm discord say "/server list scope:all" --as friend\n' +
      '  pnpm discord click <message id> <button id>\n',
  );
const asOption = () => new Option('--as <user>', 'the user typing: demo (an admin, the default) or friend');
discord
  .command('say <text>')
  .description(
    'type a slash command, e.g. "/server create game:minecraft-java name:survival"; follows progress to the end',
  )
  .addOption(asOption())
  .option('--no-follow', 'print the first answer only, without following progress edits')
  .option('--timeout <seconds>', 'how long to follow progress', positiveNumber, 600)
  .addOption(jsonOption())
  .action(run((text: string, options) => discordSay(context(), text, options)));
discord
  .command('click <messageId> <customId>')
  .description('click a button on a message (the ids are printed with each message)')
  .addOption(asOption())
  .option('--no-follow', 'print the first answer only, without following progress edits')
  .option('--timeout <seconds>', 'how long to follow progress', positiveNumber, 600)
  .addOption(jsonOption())
  .action(
    run((messageId: string, customId: string, options) =>
      discordClick(context(), messageId, customId, options),
    ),
  );
discord
  .command('submit <modalId> [fields...]')
  .description('fill in the form (modal) the bot opened: field=value …')
  .addOption(asOption())
  .option('--no-follow', 'print the first answer only, without following progress edits')
  .option('--timeout <seconds>', 'how long to follow progress', positiveNumber, 600)
  .addOption(jsonOption())
  .action(
    run((modalId: string, fields: string[], options) => discordSubmit(context(), modalId, fields, options)),
  );
discord
  .command('messages')
  .description(
    "the last messages in the demo channel (with --as, also that user's ephemeral ones; --dm: their DMs)",
  )
  .addOption(asOption())
  .option('--dm', "the user's DMs with the bot")
  .addOption(jsonOption())
  .action(run((options) => discordMessages(context(), options)));

program
  .command('demo')
  .description(
    'tour the Proxmox client on the cluster configured by PROXMOX_* (creates, checks and deletes one VM)',
  )
  .option('--first-vmid <id>', 'lowest VM id the demo may use', (v) => port(v) || 10000, 10000)
  .option('--keep', 'leave the demo VM running instead of deleting it', false)
  .action(async (options: { firstVmid: number; keep: boolean }) => {
    const env = readCliEnvironment(process.env, true);
    const config = env.proxmox!;
    const logger = pino({ level: env.logLevel }, pino.destination(2));
    const pve = createProxmoxClient(toProxmoxClientOptions(config, { logger }));
    try {
      const result = await runDemo(
        pve,
        {
          ...demoDefaults({
            node: config.node,
            templateVmid: config.baseImageVmid,
            bridge: config.networkBridge,
          }),
          vlanTag: config.vlanTag,
          sshPublicKeys: config.sshPublicKeys,
          firstVmid: options.firstVmid,
          keepVm: options.keep,
          taskTimeoutMs: config.cloneTimeoutSeconds * 1000,
        },
        consoleReporter(),
      );
      print(
        `Demo finished on ${config.node}: VM ${result.vmid} reached ${result.ipv4}${result.deleted ? ' and was deleted' : ' and is still running'}.`,
      );
    } finally {
      await pve.close();
    }
  });

function demoDefaults(where: Pick<DemoSettings, 'node' | 'templateVmid' | 'bridge'>): DemoSettings {
  return {
    ...where,
    sshPublicKeys: [],
    firstVmid: 10000,
    keepVm: false,
    taskTimeoutMs: 600_000,
    ipTimeoutMs: 300_000,
  };
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0 || error.code === 'commander.help') process.exit(error.exitCode);
      fail(
        `${error.message.replace(/^error: /, '').replace(/\.?$/, '.')} Run '${NAME} --help' for the commands.`,
        'usage',
      );
    }
    if (error instanceof CliError || error instanceof ApiError) fail(error.message, error.code);
    if (error instanceof ConfigError) fail(error.message, 'config');
    if (error instanceof ProxmoxError) fail(error.message, error.code);
    fail(error instanceof Error ? error.message : String(error), 'internal');
  }
  // Keep-alive sockets must not hold the process open once the command is done.
  process.exit(process.exitCode ?? 0);
}

void main();
