// What a user sees of a message: text, embeds, buttons (with custom ids, labels, disabled), ephemeral or not.
import { type APIMessage, ComponentType, MessageFlags } from 'discord-api-types/v10';
import type { DiscordViolation } from './rest/types.js';
import { isRecord } from './rules/limits.js';

export interface ButtonView {
  customId?: string;
  label?: string;
  style: number;
  disabled: boolean;
  url?: string;
}

export interface MessageView {
  id: string;
  content: string;
  embeds: {
    title?: string;
    description?: string;
    fields: { name: string; value: string }[];
    footer?: string;
  }[];
  buttons: ButtonView[];
  ephemeral: boolean;
  /** Still "thinking…" (a deferred reply not yet edited). */
  loading: boolean;
  mentions: string[];
}

export function buttons(message: Pick<APIMessage, 'components'>): ButtonView[] {
  const out: ButtonView[] = [];
  const walk = (list: readonly unknown[]) => {
    for (const c of list) {
      if (!isRecord(c)) continue;
      if (c.type === ComponentType.Button)
        out.push({
          ...(typeof c.custom_id === 'string' ? { customId: c.custom_id } : {}),
          ...(typeof c.label === 'string' ? { label: c.label } : {}),
          style: Number(c.style),
          disabled: c.disabled === true,
          ...(typeof c.url === 'string' ? { url: c.url } : {}),
        });
      if (Array.isArray(c.components)) walk(c.components);
      if (isRecord(c.accessory)) walk([c.accessory]);
    }
  };
  walk(message.components ?? []);
  return out;
}

export function viewMessage(message: APIMessage): MessageView {
  const flags = message.flags ?? 0;
  return {
    id: message.id,
    content: message.content,
    embeds: message.embeds.map((e) => ({
      ...(e.title !== undefined ? { title: e.title } : {}),
      ...(e.description !== undefined ? { description: e.description } : {}),
      fields: (e.fields ?? []).map((f) => ({ name: f.name, value: f.value })),
      ...(e.footer?.text !== undefined ? { footer: e.footer.text } : {}),
    })),
    buttons: buttons(message),
    ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
    loading: (flags & MessageFlags.Loading) !== 0,
    mentions: message.mentions.map((u) => u.id),
  };
}

/** Human-readable lines for a list of violations (for assertion messages). */
export function describeViolations(violations: readonly DiscordViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.method} ${v.path} (${v.operationId ?? v.template}, ${v.source}):\n  ${v.lines.join('\n  ')}`,
    )
    .join('\n');
}
