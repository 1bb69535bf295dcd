// The REST client: every request carries the token as a Bearer header (never
// in a URL), answers are JSON, and failures become one ApiError type the
// pages can show: the API's own error shape ({"error":{"code","message"}}),
// a non-JSON answer, or the server being unreachable (status 0).

import { NdjsonParser, SseParser, type SseEvent } from './sse';

export class ApiError extends Error {
  constructor(
    readonly status: number, // 0 = no answer (network down, server stopped)
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unreachable(): boolean {
    return this.status === 0;
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object' && body.error && typeof body.error.message === 'string') {
      return new ApiError(res.status, String(body.error.code ?? 'UNKNOWN'), body.error.message);
    }
  } catch {
    // not JSON: below
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError(res.status, 'HTTP_' + res.status, snippet || `HTTP ${res.status} ${res.statusText}`.trim());
}

function unreachable(e: unknown): ApiError {
  const why = e instanceof Error ? e.message : String(e);
  return new ApiError(0, 'UNREACHABLE', `the kelola server did not answer (${why})`);
}

export class ApiClient {
  constructor(
    private readonly token: () => string,
    private readonly fetchFn: FetchFn = (i, init) => fetch(i, init),
    private readonly base = '',
  ) {}

  private headers(extra?: Record<string, string>): Record<string, string> {
    return { Authorization: `Bearer ${this.token()}`, Accept: 'application/json', ...extra };
  }

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(this.base + withQuery(path, opts.query), {
        method,
        headers: this.headers(opts.body !== undefined ? { 'Content-Type': 'application/json' } : undefined),
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: opts.signal,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw unreachable(e);
    }
    if (!res.ok) throw await errorFrom(res);
    const text = await res.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', `the server answered ${method} ${path} with something that is not JSON`);
    }
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  // Opens a streaming GET and feeds its text to `onChunk` until the server
  // ends it or `signal` aborts. Resolves when the stream ends normally.
  async stream(
    path: string,
    query: Query | undefined,
    accept: string,
    onChunk: (text: string) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchFn(this.base + withQuery(path, query), {
        headers: this.headers({ Accept: accept }),
        signal,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      if (signal.aborted) return;
      throw unreachable(e);
    }
    if (!res.ok) throw await errorFrom(res);
    if (!res.body) throw new ApiError(res.status, 'BAD_RESPONSE', 'the stream has no body');
    onOpen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        onChunk(value);
      }
    } catch (e) {
      if (signal.aborted) return;
      throw unreachable(e);
    } finally {
      reader.releaseLock();
    }
  }

  sse(path: string, query: Query | undefined, onEvent: (e: SseEvent) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const parser = new SseParser(onEvent);
    return this.stream(path, query, 'text/event-stream', (t) => parser.push(t), signal, onOpen).finally(() => parser.end());
  }

  ndjson<T>(path: string, query: Query | undefined, onItem: (item: T) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const parser = new NdjsonParser<T>(onItem);
    return this.stream(path, query, 'application/x-ndjson', (t) => parser.push(t), signal, onOpen);
  }
}
