// Matching a decoded path to a route template (literal segments win over `{param}` ones: `@me`, `@original`).
import type { HttpMethod, Route } from './types.js';

interface Compiled {
  route: Route;
  segments: string[];
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: Route[]) {
    this.compiled = routes
      .map((route) => ({ route, segments: route.template.split('/').slice(1) }))
      .sort((a, b) => specificity(b.segments) - specificity(a.segments));
  }

  /** `undefined`: no such path; `'method'`: the path exists, not with this method. */
  match(method: HttpMethod, segments: string[]): RouteMatch | 'method' | undefined {
    let pathExists = false;
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, segments);
      if (!params) continue;
      if (c.route.method === method) return { route: c.route, params };
      pathExists = true;
    }
    return pathExists ? 'method' : undefined;
  }
}

function specificity(segments: string[]): number {
  return segments.reduce((n, s, i) => n + (s.startsWith('{') ? 0 : 2 ** (20 - i)), 0);
}

function matchSegments(template: string[], path: string[]): Record<string, string> | undefined {
  if (template.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const p = path[i]!;
    if (t.startsWith('{')) {
      if (p === '') return undefined;
      params[t.slice(1, -1)] = p;
    } else if (t !== p) return undefined;
  }
  return params;
}
