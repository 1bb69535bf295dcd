import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, withQuery, type FetchFn } from '../src/api/client';

function fakeFetch(respond: (url: string, init?: RequestInit) => Response | Promise<Response>): { fetch: FetchFn; calls: { url: string; init?: RequestInit }[] } {
  const calls: { url: string; init?: RequestInit }[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return respond(url, init);
    },
  };
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected a failure');
}

describe('ApiClient', () => {
  it('sends the token as a Bearer header, never in the URL', async () => {
    const f = fakeFetch(() => new Response('{"items":[]}', { status: 200 }));
    const api = new ApiClient(() => 'kl_abc_secret', f.fetch);
    await api.get('/v1/runs', { status: 'running', limit: 5, pipeline: '' });
    expect(f.calls[0].url).toBe('/v1/runs?status=running&limit=5');
    expect(f.calls[0].url).not.toContain('kl_abc_secret');
    expect((f.calls[0].init?.headers as Record<string, string>).Authorization).toBe('Bearer kl_abc_secret');
    expect(f.calls[0].init?.credentials).toBe('omit');
  });

  it('turns the API error shape into an ApiError with code and message', async () => {
    const f = fakeFetch(() => new Response('{"error":{"code":"FAILED_PRECONDITION","message":"run r1 has finished","details":{}}}', { status: 422 }));
    const api = new ApiClient(() => 't', f.fetch);
    const err = await failure(api.post('/v1/runs/r1/cancel'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toBe('run r1 has finished');
    expect(err.unreachable).toBe(false);
  });

  it('reports 401 as unauthorized and 404 as notFound', async () => {
    const api401 = new ApiClient(() => 't', fakeFetch(() => new Response('{"error":{"code":"UNAUTHENTICATED","message":"bad token"}}', { status: 401 })).fetch);
    expect((await failure(api401.get('/v1/x'))).unauthorized).toBe(true);
    const api404 = new ApiClient(() => 't', fakeFetch(() => new Response('{"error":{"code":"NOT_FOUND","message":"no route"}}', { status: 404 })).fetch);
    expect((await failure(api404.get('/v1/releases'))).notFound).toBe(true);
  });

  it('keeps a readable message for non-JSON errors (a proxy page)', async () => {
    const api = new ApiClient(() => 't', fakeFetch(() => new Response('<html>502 Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })).fetch);
    const err = await failure(api.get('/v1/x'));
    expect(err.status).toBe(502);
    expect(err.code).toBe('HTTP_502');
    expect(err.message).toContain('502 Bad Gateway');
  });

  it('maps a network failure to an unreachable error (status 0)', async () => {
    const api = new ApiClient(() => 't', async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await failure(api.get('/v1/x'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.unreachable).toBe(true);
    expect(err.message).toContain('did not answer');
  });

  it('flags a 200 answer that is not JSON', async () => {
    const api = new ApiClient(() => 't', fakeFetch(() => new Response('not json', { status: 200 })).fetch);
    const err = await failure(api.get('/v1/x'));
    expect(err.code).toBe('BAD_RESPONSE');
  });

  it('streams SSE events from a chunked body', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        const enc = new TextEncoder();
        c.enqueue(enc.encode('id: 1\ndata: {"a"'));
        c.enqueue(enc.encode(':1}\n\nid: 2\ndata: {"a":2}\n\n'));
        c.close();
      },
    });
    const f = fakeFetch(() => new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
    const api = new ApiClient(() => 'tok', f.fetch);
    const got: string[] = [];
    let opened = false;
    await api.sse('/v1/logs/tail', { contains: 'x' }, (e) => got.push(e.id + ':' + e.data), new AbortController().signal, () => (opened = true));
    expect(opened).toBe(true);
    expect(got).toEqual(['1:{"a":1}', '2:{"a":2}']);
    expect((f.calls[0].init?.headers as Record<string, string>).Accept).toBe('text/event-stream');
  });

  it('rejects a stream refused by the server with its error', async () => {
    const api = new ApiClient(() => 't', fakeFetch(() => new Response('{"error":{"code":"INVALID_ARGUMENT","message":"regex: missing )"}}', { status: 400 })).fetch);
    const err = await failure(api.sse('/v1/logs/tail', undefined, () => {}, new AbortController().signal));
    expect(err.status).toBe(400);
    expect(err.message).toBe('regex: missing )');
  });
});

describe('withQuery', () => {
  it('drops empty values and encodes the rest', () => {
    expect(withQuery('/v1/logs/query', { selector: 'service=api,host=a b', contains: '', limit: 10 })).toBe('/v1/logs/query?selector=service%3Dapi%2Chost%3Da+b&limit=10');
  });
});
