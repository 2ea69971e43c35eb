// Discord's published limits, in one place.
export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooterText: 2048,
  embedAuthorName: 256,
  embedTotal: 6000,
  actionRows: 5,
  rowButtons: 5,
  customId: 100,
  buttonLabel: 80,
  selectOptions: 25,
  selectPlaceholder: 150,
  v2Components: 40,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  commandName: 32,
  commandDescription: 100,
  options: 25,
  modalTitle: 45,
  modalComponents: 5,
} as const;

export const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}]{1,32}$/u;

export type Path = (string | number)[];

export const maxLength = (n: number) => ({
  code: 'BASE_TYPE_MAX_LENGTH',
  message: `Must be ${n} or fewer in length.`,
});
export const badLength = (min: number, max: number) => ({
  code: 'BASE_TYPE_BAD_LENGTH',
  message: `Must be between ${min} and ${max} in length.`,
});
export const required = () => ({ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Length as Discord counts it (UTF-16 code units are close enough; Discord counts code points). */
export const len = (s: string) => [...s].length;
