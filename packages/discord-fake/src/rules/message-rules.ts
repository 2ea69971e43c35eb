// Message bodies (content, embeds, components) as Discord checks them before it stores a message.
import { ComponentType, MessageFlags } from 'discord-api-types/v10';
import type { FormErrors } from '../errors.js';
import { badLength, isRecord, LIMITS, len, maxLength, type Path, required } from './limits.js';

export function checkMessageBody(body: unknown, errors: FormErrors, at: Path = []): void {
  if (!isRecord(body)) return;
  if (typeof body.content === 'string' && len(body.content) > LIMITS.content)
    addLimit(errors, [...at, 'content'], maxLength(LIMITS.content));
  if (Array.isArray(body.embeds)) checkEmbeds(body.embeds, errors, [...at, 'embeds']);
  if (Array.isArray(body.components)) {
    const v2 = typeof body.flags === 'number' && (body.flags & MessageFlags.IsComponentsV2) !== 0;
    checkComponents(body.components, v2, errors, [...at, 'components']);
  }
}

function addLimit(errors: FormErrors, path: Path, e: { code: string; message: string }) {
  errors.add(path, e.code, e.message);
}

function checkEmbeds(embeds: unknown[], errors: FormErrors, at: Path): void {
  if (embeds.length > LIMITS.embeds) addLimit(errors, at, maxLength(LIMITS.embeds));
  let total = 0;
  embeds.forEach((embed, i) => {
    if (!isRecord(embed)) return;
    const text = (key: string, limit: number, value: unknown = embed[key], path: Path = [...at, i, key]) => {
      if (typeof value !== 'string') return;
      total += len(value);
      if (len(value) > limit) addLimit(errors, path, maxLength(limit));
    };
    text('title', LIMITS.embedTitle);
    text('description', LIMITS.embedDescription);
    if (isRecord(embed.footer))
      text('text', LIMITS.embedFooterText, embed.footer.text, [...at, i, 'footer', 'text']);
    if (isRecord(embed.author))
      text('name', LIMITS.embedAuthorName, embed.author.name, [...at, i, 'author', 'name']);
    if (Array.isArray(embed.fields)) {
      if (embed.fields.length > LIMITS.embedFields)
        addLimit(errors, [...at, i, 'fields'], maxLength(LIMITS.embedFields));
      embed.fields.forEach((field, j) => {
        if (!isRecord(field)) return;
        const path = [...at, i, 'fields', j];
        if (typeof field.name !== 'string' || field.name.length === 0)
          errors.add([...path, 'name'], required().code, required().message);
        if (typeof field.value !== 'string' || field.value.length === 0)
          errors.add([...path, 'value'], required().code, required().message);
        text('name', LIMITS.embedFieldName, field.name, [...path, 'name']);
        text('value', LIMITS.embedFieldValue, field.value, [...path, 'value']);
      });
    }
  });
  if (total > LIMITS.embedTotal)
    errors.add(at, 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${LIMITS.embedTotal}`);
}

const SELECTS = new Set<number>([
  ComponentType.StringSelect,
  ComponentType.UserSelect,
  ComponentType.RoleSelect,
  ComponentType.MentionableSelect,
  ComponentType.ChannelSelect,
]);
const LINK = 5;
const PREMIUM = 6;

function checkComponents(components: unknown[], v2: boolean, errors: FormErrors, at: Path): void {
  const seen = new Set<string>();
  if (v2) {
    let count = 0;
    const walk = (list: unknown[], path: Path) =>
      list.forEach((c, i) => {
        if (!isRecord(c)) return;
        count++;
        if (c.type === ComponentType.Button) checkButton(c, seen, errors, [...path, i]);
        else if (typeof c.type === 'number' && SELECTS.has(c.type))
          checkSelect(c, seen, errors, [...path, i]);
        if (Array.isArray(c.components)) walk(c.components, [...path, i, 'components']);
        if (isRecord(c.accessory)) walk([c.accessory], [...path, i, 'accessory']);
      });
    walk(components, at);
    if (count > LIMITS.v2Components)
      errors.add(at, 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.v2Components} or fewer in length.`);
    return;
  }
  if (components.length > LIMITS.actionRows) addLimit(errors, at, maxLength(LIMITS.actionRows));
  components.forEach((row, i) => {
    if (!isRecord(row)) return;
    if (row.type !== ComponentType.ActionRow) {
      errors.add([...at, i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      return;
    }
    const children = Array.isArray(row.components) ? row.components : [];
    const path = [...at, i, 'components'];
    if (children.length < 1 || children.length > LIMITS.rowButtons)
      addLimit(errors, path, badLength(1, LIMITS.rowButtons));
    const hasSelect = children.some((c) => isRecord(c) && typeof c.type === 'number' && SELECTS.has(c.type));
    if (hasSelect && children.length > 1)
      errors.add(
        path,
        'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
        'The specified component exceeds the maximum width',
      );
    children.forEach((c, j) => {
      if (!isRecord(c)) return;
      if (c.type === ComponentType.Button) checkButton(c, seen, errors, [...path, j]);
      else if (typeof c.type === 'number' && SELECTS.has(c.type)) checkSelect(c, seen, errors, [...path, j]);
    });
  });
}

function checkCustomId(c: Record<string, unknown>, seen: Set<string>, errors: FormErrors, at: Path): void {
  const id = c.custom_id;
  if (typeof id !== 'string') {
    errors.add([...at, 'custom_id'], required().code, required().message);
    return;
  }
  if (len(id) < 1 || len(id) > LIMITS.customId)
    addLimit(errors, [...at, 'custom_id'], badLength(1, LIMITS.customId));
  if (seen.has(id))
    errors.add(
      [...at, 'custom_id'],
      'COMPONENT_CUSTOM_ID_DUPLICATED',
      'Component custom id cannot be duplicated',
    );
  seen.add(id);
}

function checkButton(c: Record<string, unknown>, seen: Set<string>, errors: FormErrors, at: Path): void {
  if (typeof c.label === 'string' && len(c.label) > LIMITS.buttonLabel)
    addLimit(errors, [...at, 'label'], maxLength(LIMITS.buttonLabel));
  if (c.style === LINK) {
    if (typeof c.url !== 'string') errors.add([...at, 'url'], required().code, required().message);
    if (c.custom_id !== undefined && c.custom_id !== null)
      errors.add(
        [...at, 'custom_id'],
        'BUTTON_COMPONENT_LINK_HAS_CUSTOM_ID',
        'A link button cannot have a custom id',
      );
  } else if (c.style !== PREMIUM) checkCustomId(c, seen, errors, at);
}

function checkSelect(c: Record<string, unknown>, seen: Set<string>, errors: FormErrors, at: Path): void {
  checkCustomId(c, seen, errors, at);
  if (typeof c.placeholder === 'string' && len(c.placeholder) > LIMITS.selectPlaceholder)
    addLimit(errors, [...at, 'placeholder'], maxLength(LIMITS.selectPlaceholder));
  if (c.type === ComponentType.StringSelect) {
    const options = Array.isArray(c.options) ? c.options : [];
    if (options.length < 1 || options.length > LIMITS.selectOptions)
      addLimit(errors, [...at, 'options'], badLength(1, LIMITS.selectOptions));
    options.forEach((o, k) => {
      if (!isRecord(o)) return;
      for (const key of ['label', 'value', 'description'])
        if (typeof o[key] === 'string' && len(o[key] as string) > 100)
          addLimit(errors, [...at, 'options', k, key], maxLength(100));
    });
  }
}
