// The forwarding table as rules to paste (`gs edge rules`): the nft definition the daemon would apply, or
// iptables commands for an admin who configures a router by hand. The first line names the generation; the
// entries left out are comments with their reason. Pure.
import type { ForwardingTable } from '@guildserver/contracts';
import { buildRuleset, type RefusedEntry } from './ruleset.js';

export const RULE_FORMATS = ['nft', 'iptables'] as const;
export type RuleFormat = (typeof RULE_FORMATS)[number];

export interface RulesTextOptions {
  format: RuleFormat;
  /** Masquerade the forwarded flows (the router is not the VMs' gateway). */
  snat: boolean;
}

export function rulesText(table: ForwardingTable, options: RulesTextOptions): string {
  const ruleset = buildRuleset(table, { snat: options.snat });
  const refused = ruleset.refused.map(refusedComment);
  if (options.format === 'nft') {
    return `${ruleset.text}${refused.map((line) => `${line}\n`).join('')}`;
  }
  const lines = [
    `# GuildServer edge: forwarding table generation ${table.generation}, ${ruleset.forwarded.length} port(s), as iptables commands (run as root; they add to the nat table, so remove earlier ones first).`,
  ];
  for (const e of ruleset.forwarded) {
    lines.push(
      `iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p ${e.protocol} --dport ${e.publishedPort} -j DNAT --to-destination ${e.vmIpv4}:${e.guestPort}`,
    );
  }
  if (options.snat) {
    const targets = new Set(ruleset.forwarded.map((e) => `${e.protocol} ${e.vmIpv4} ${e.guestPort}`));
    for (const target of targets) {
      const [protocol, vm, port] = target.split(' ');
      lines.push(
        `iptables -t nat -A POSTROUTING -m conntrack --ctstate DNAT -p ${protocol} -d ${vm} --dport ${port} -j MASQUERADE`,
      );
    }
  }
  lines.push(...refused);
  return `${lines.join('\n')}\n`;
}

function refusedComment({ entry, reason }: RefusedEntry): string {
  return `# not forwarded: ${entry.protocol}/${entry.publishedPort} of ${entry.serverName} (${entry.serverId}): ${reason}`;
}
