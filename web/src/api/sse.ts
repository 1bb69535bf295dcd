// A server-sent events parser (the WHATWG "event stream" interpretation),
// fed with text chunks as they arrive from fetch(): lines end with CRLF, LF
// or CR (a CR at the end of one chunk and an LF at the start of the next are
// one line end); "field: value" lines, one leading space stripped; ":"
// comments ignored; a blank line dispatches the event. EventSource cannot
// send an Authorization header, so the dashboard streams with fetch() and
// this parser instead, and the token never goes into a URL.

export interface SseEvent {
  id: string; // the last id seen on the stream ("" when none yet)
  event: string; // "message" when the event had no event: field
  data: string;
}

export class SseParser {
  private buffer = '';
  private skipLf = false;
  private data: string[] = [];
  private eventType = '';
  private hasData = false;
  lastEventId = '';
  retryMs: number | undefined;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.skipLf) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.skipLf = false;
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  // The stream ended: an event without its blank line is dropped, as the spec says.
  end(): void {
    this.buffer = '';
    this.reset();
  }

  private reset(): void {
    this.data = [];
    this.eventType = '';
    this.hasData = false;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.hasData) {
        this.onEvent({ id: this.lastEventId, event: this.eventType || 'message', data: this.data.join('\n') });
      }
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }
}

// Splits newline-delimited JSON (the run log follow stream) into objects;
// empty keep-alive lines are skipped. A line that is not JSON is reported.
export class NdjsonParser<T> {
  private buffer = '';
  constructor(
    private readonly onItem: (item: T) => void,
    private readonly onBad: (line: string) => void = () => {},
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      try {
        this.onItem(JSON.parse(line) as T);
      } catch {
        this.onBad(line);
      }
    }
  }
}
