// Translates the Perl patterns found in the schema into JS RegExps, matched the way check_prop does:
// `$value =~ m/^$pattern$/` (pattern interpolated as is, so a top-level `a|b` binds to the anchors).
//
// Perl features handled: stringified qr// groups `(?^i:...)`/`(?^:...)` (JS in Node 20 has no inline
// modifiers, so case-insensitive groups are expanded into character classes), `$` matching before a
// final newline, and `{,n}` (a quantifier from Perl 5.34 on, a literal before).

const cache = new Map<string, RegExp | null>();

export function perlPatternMatches(pattern: string, value: string, emptyMinQuantifier: boolean): boolean {
  const key = `${emptyMinQuantifier ? 1 : 0}${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = compile(`^${pattern}$`, emptyMinQuantifier);
    cache.set(key, re);
  }
  // A pattern we cannot translate is not held against the value.
  return re === null || re.test(value);
}

/** Compiles a complete Perl regex body (anchors included) to a JS RegExp, or null if untranslatable. */
export function compile(perl: string, emptyMinQuantifier: boolean, ignoreCase = false): RegExp | null {
  try {
    return new RegExp(translate(perl, emptyMinQuantifier, ignoreCase));
  } catch {
    return null;
  }
}

function translate(src: string, emptyMin: boolean, outerIgnoreCase: boolean): string {
  let out = '';
  // Stack of case-insensitivity per open group.
  const ciStack: boolean[] = [];
  let ci = outerIgnoreCase;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const next = src[i + 1] ?? '';
      if (next === 'x') {
        out += src.slice(i, i + 4);
        i += 4;
        continue;
      }
      out += ci && /[a-zA-Z]/.test(next) && !isEscapeLetter(next) ? caseClass(next) : `\\${next}`;
      i += 2;
      continue;
    }
    if (c === '[') {
      const end = classEnd(src, i);
      const body = src.slice(i + 1, end);
      out += `[${ci ? foldClass(body) : body}]`;
      i = end + 1;
      continue;
    }
    if (c === '(') {
      const flags = /^\(\?\^([a-z]*):/.exec(src.slice(i));
      ciStack.push(ci);
      if (flags) {
        if (flags[1]!.includes('i')) ci = true;
        else ci = false;
        out += '(?:';
        i += flags[0].length;
        continue;
      }
      out += '(';
      i += 1;
      continue;
    }
    if (c === ')') {
      ci = ciStack.pop() ?? outerIgnoreCase;
      out += ')';
      i += 1;
      continue;
    }
    if (c === '$') {
      out += '(?=\\n?$)';
      i += 1;
      continue;
    }
    if (c === '{') {
      const q = /^\{,(\d+)\}/.exec(src.slice(i));
      if (q) {
        out += emptyMin ? `{0,${q[1]}}` : `\\{,${q[1]}\\}`;
        i += q[0].length;
        continue;
      }
    }
    out += ci && /[a-zA-Z]/.test(c) ? caseClass(c) : c;
    i += 1;
  }
  return out;
}

function isEscapeLetter(ch: string): boolean {
  return 'dDwWsSbBnrtfvxucpPkKzZAGhHRX0'.includes(ch);
}

function caseClass(ch: string): string {
  return `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
}

function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  while (i < src.length && src[i] !== ']') {
    if (src[i] === '\\') i++;
    i++;
  }
  return i;
}

/** Adds the other case to every letter and letter range of a character class body. */
function foldClass(classBody: string): string {
  const negated = classBody.startsWith('^');
  const body = negated ? classBody.slice(1) : classBody;
  let extra = '';
  const letters = body.replace(/\\x[0-9a-fA-F]{2}|\\./g, '');
  for (const m of letters.matchAll(/([a-zA-Z])-([a-zA-Z])/g)) {
    const [from, to] = [m[1]!, m[2]!];
    extra +=
      from === from.toLowerCase()
        ? `${from.toUpperCase()}-${to.toUpperCase()}`
        : `${from.toLowerCase()}-${to.toLowerCase()}`;
  }
  for (const ch of letters.replace(/[a-zA-Z]-[a-zA-Z]/g, '')) {
    if (/[a-z]/.test(ch)) extra += ch.toUpperCase();
    else if (/[A-Z]/.test(ch)) extra += ch.toLowerCase();
  }
  // Put the additions first so a trailing or leading '-' of the original keeps its literal meaning.
  const rest = body.startsWith('-') ? `\\${body}` : body;
  return `${negated ? '^' : ''}${extra}${rest}`;
}
