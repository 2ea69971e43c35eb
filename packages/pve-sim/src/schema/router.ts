// Path matching like PVE's RESTHandler: one segment at a time, a literal child before a `{param}` one,
// empty segments skipped, no backtracking.

import type { Endpoint, HttpMethod, MatchResult } from './types.js';

interface RouteNode {
  literals: Map<string, RouteNode>;
  param?: { name: string; node: RouteNode };
  methods: Partial<Record<HttpMethod, Endpoint>>;
}

const newNode = (): RouteNode => ({ literals: new Map(), methods: {} });

export class Router {
  private readonly root = newNode();

  add(endpoint: Endpoint): void {
    let node = this.root;
    for (const segment of segments(endpoint.path)) {
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        node.param ??= { name: param[1]!, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literals.get(segment);
        if (!next) {
          next = newNode();
          node.literals.set(segment, next);
        }
        node = next;
      }
    }
    node.methods[endpoint.method] = endpoint;
  }

  match(method: HttpMethod, path: string): MatchResult {
    let node = this.root;
    const pathParams: Record<string, string> = {};
    for (const raw of segments(path)) {
      const segment = decode(raw);
      const literal = node.literals.get(segment);
      if (literal) {
        node = literal;
      } else if (node.param) {
        pathParams[node.param.name] = segment;
        node = node.param.node;
      } else {
        return { kind: 'not_implemented' };
      }
    }
    const endpoint = node.methods[method];
    return endpoint ? { kind: 'ok', endpoint, pathParams } : { kind: 'not_implemented' };
  }
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
