/** Matches `METHOD /path` against routes with `:param` segments; exact paths are one map lookup. */

interface Pattern<T> {
  method: string;
  segments: (string | null)[];
  target: T;
}

export interface RouteMatch<T> {
  target: T;
  params: string[];
}

const NO_PARAMS: string[] = [];

export class Router<T> {
  private readonly exact = new Map<string, T>();
  private readonly patterns: Pattern<T>[] = [];

  add(method: string, path: string, target: T): void {
    if (!path.includes('/:')) {
      this.exact.set(`${method} ${path}`, target);
      return;
    }
    const segments = path.split('/').map((s) => (s.startsWith(':') ? null : s));
    this.patterns.push({ method, segments, target });
  }

  match(method: string, path: string): RouteMatch<T> | null {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact !== undefined) return { target: exact, params: NO_PARAMS };
    const parts = path.split('/');
    for (const p of this.patterns) {
      if (p.method !== method || p.segments.length !== parts.length) continue;
      const params: string[] = [];
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const expected = p.segments[i];
        const actual = parts[i]!;
        if (expected === null) {
          if (actual === '') ok = false;
          else params.push(safeDecode(actual));
        } else if (expected !== actual) {
          ok = false;
        }
      }
      if (ok) return { target: p.target, params };
    }
    return null;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
