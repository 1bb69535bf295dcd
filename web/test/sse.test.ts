import { describe, expect, it } from 'vitest';
import { NdjsonParser, SseParser, type SseEvent } from '../src/api/sse';

function parse(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  return { events, parser };
}

describe('SseParser', () => {
  it('parses the server event shape: id, event, data', () => {
    const { events } = parse(['id: 7\nevent: run.created\ndata: {"id":7}\n\n']);
    expect(events).toEqual([{ id: '7', event: 'run.created', data: '{"id":7}' }]);
  });

  it('handles events split at every possible byte boundary', () => {
    const text = 'id: 1\ndata: {"a":1}\n\nid: 2\nevent: x\ndata: two\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const { events } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(events.map((e) => [e.id, e.event, e.data])).toEqual([
        ['1', 'message', '{"a":1}'],
        ['2', 'x', 'two'],
      ]);
    }
  });

  it('joins multi-line data with newlines and strips only one leading space', () => {
    const { events } = parse(['data:  two spaces\ndata:none\ndata\n\n']);
    expect(events[0].data).toBe(' two spaces\nnone\n');
  });

  it('accepts CRLF and lone CR line ends, also across chunks', () => {
    const { events } = parse(['data: a\r', '\n\r', '\ndata: b\r\r']);
    expect(events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('ignores comments (keep-alives), unknown fields, and events without data', () => {
    const { events } = parse([': keep-alive\n\nfoo: bar\nevent: only-type\n\ndata: x\n\n']);
    expect(events).toEqual([{ id: '', event: 'message', data: 'x' }]);
  });

  it('keeps the last id for later events and resumption; an id with NUL is ignored', () => {
    const { events, parser } = parse(['id: 5\ndata: a\n\ndata: b\n\nid: 6\u0000\ndata: c\n\n']);
    expect(events.map((e) => e.id)).toEqual(['5', '5', '5']);
    expect(parser.lastEventId).toBe('5');
  });

  it('reads retry only when it is all digits', () => {
    const { parser } = parse(['retry: 1500\n', 'retry: soon\n']);
    expect(parser.retryMs).toBe(1500);
  });

  it('drops an unfinished event at the end of the stream', () => {
    const { events, parser } = parse(['data: complete\n\ndata: cut off']);
    parser.end();
    expect(events.map((e) => e.data)).toEqual(['complete']);
  });

  it('parses a log tail burst of 10,000 events quickly', () => {
    let text = '';
    for (let i = 1; i <= 10_000; i++) text += `id: ${i}\ndata: {"id":${i},"text":"line ${i}"}\n\n`;
    const t0 = performance.now();
    const { events } = parse([text]);
    expect(events).toHaveLength(10_000);
    expect(JSON.parse(events[9_999].data).id).toBe(10_000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('NdjsonParser', () => {
  it('splits lines across chunks, skips keep-alive blank lines, reports bad ones', () => {
    const items: { n: number }[] = [];
    const bad: string[] = [];
    const p = new NdjsonParser<{ n: number }>((i) => items.push(i), (l) => bad.push(l));
    p.push('{"n":1}\n{"n"');
    p.push(':2}\n\n');
    p.push('oops\n{"n":3}\r\n');
    expect(items.map((i) => i.n)).toEqual([1, 2, 3]);
    expect(bad).toEqual(['oops']);
  });
});
