/**
 * A small HTTP client for tests that behaves like a browser (keeps cookies, sends the CSRF token
 * and its own Origin on writes) or like an API script (sends a bearer token).
 */
export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class HttpClient {
  private readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly options: { bearer?: string; headers?: Record<string, string> } = {},
  ) {}

  withBearer(token: string): HttpClient {
    return new HttpClient(this.baseUrl, { ...this.options, bearer: token });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const h: Record<string, string> = { ...this.options.headers, ...headers };
    if (body !== undefined && typeof body !== 'string') h['content-type'] = 'application/json';
    if (this.options.bearer) h.authorization = `Bearer ${this.options.bearer}`;
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (!['GET', 'HEAD'].includes(method)) {
      h.origin ??= new URL(this.baseUrl).origin;
      if (this.csrfToken && h['x-csrf-token'] === undefined) h['x-csrf-token'] = this.csrfToken;
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const v = value.join('=');
      if (/expires=Thu, 01 Jan 1970/i.test(line) || v === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), v);
    }
    // A stream of server-sent events never ends: take its status and headers, not its body.
    const streaming = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
    if (streaming) await res.body?.cancel();
    const text = streaming ? '' : await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    if (
      parsed &&
      typeof parsed === 'object' &&
      'csrfToken' in parsed &&
      typeof parsed.csrfToken === 'string'
    ) {
      this.csrfToken = parsed.csrfToken;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  patch<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body ?? {}, headers);
  }
  put<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body ?? {}, headers);
  }
  delete<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, body, headers);
  }
}

let counter = 0;
/** Signs up a fresh person; returns their browser-like client and ids. */
export async function signUpUser(
  baseUrl: string,
  overrides: { email?: string; organizationName?: string } = {},
) {
  const client = new HttpClient(baseUrl);
  const email = overrides.email ?? `person${++counter}-${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  const res = await client.post<{ user: { id: string }; organizations: { id: string }[] }>(
    '/api/auth/signup',
    {
      email,
      password,
      name: 'Test Person',
      organizationName: overrides.organizationName ?? `Org of ${email}`,
    },
  );
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  return { client, email, password, userId: res.body.user.id, organizationId: res.body.organizations[0]!.id };
}
