/** Tagged template that percent-encodes every interpolated path segment: api`/nodes/${node}/tasks/${upid}`. */
export function api(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}
