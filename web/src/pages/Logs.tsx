// Logs: query the embedded log store by time, labels and text; a live tail
// over SSE (GET /v1/logs/tail, batched per frame into a virtualised list so
// 1,000 lines/s do not freeze the page); and the template view with counts
// and a sparkline of the last hour per template.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Query } from '../api/client';
import { Batcher, appendCapped, followSse, type LinkState } from '../api/live';
import type { LogRecord, LogTemplate } from '../api/types';
import { Sparkline } from '../components/Charts';
import { Badge, ErrorNote, Panel } from '../components/Common';
import { VirtualList } from '../components/VirtualList';
import { useLoad, useSession } from '../hooks';

const TAIL_CAP = 50_000;

interface Filters {
  since: string;
  selector: string;
  contains: string;
  level: string;
}

function toQuery(f: Filters): Query {
  return { since: f.since, selector: f.selector, contains: f.contains, level: f.level };
}

function LogLine({ r }: { r: LogRecord }) {
  return (
    <div class={`logline lvl-${r.level || 'none'}`} data-testid="log-line">
      <span class="muted">{r.time.slice(11, 23)}</span> <span class="lvl">{r.level || '-'}</span>{' '}
      <span class="muted">{Object.entries(r.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}</span> {r.text}
    </div>
  );
}

export function Logs() {
  const { api } = useSession();
  const [form, setForm] = useState<Filters>({ since: '1h', selector: '', contains: '', level: '' });
  const [applied, setApplied] = useState<Filters>(form);
  const [items, setItems] = useState<LogRecord[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(false);
  const [tail, setTail] = useState(false);
  const [link, setLink] = useState<LinkState>('connecting');
  const [tab, setTab] = useState<'lines' | 'templates'>('lines');
  const [rate, setRate] = useState(0);
  const received = useRef(0);

  const run = async (f: Filters) => {
    setLoading(true);
    setError(undefined);
    try {
      const r = await api.get<{ items: LogRecord[]; more: boolean }>('/v1/logs/query', { ...toQuery(f), limit: 5000 });
      setItems(r.items);
      setMore(r.more);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e)));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void run(applied);
  }, [applied]);

  useEffect(() => {
    if (!tail) return;
    const ctl = new AbortController();
    const batch = new Batcher<LogRecord>((recs) => setItems((old) => appendCapped(old, recs, TAIL_CAP)));
    const q = toQuery(applied);
    delete q.since;
    followSse(
      api,
      {
        path: '/v1/logs/tail',
        query: q,
        onEvent: (e) => {
          try {
            batch.push(JSON.parse(e.data) as LogRecord);
            received.current++;
          } catch {
            // a keep-alive or a damaged event: skip it
          }
        },
        onState: (s, err) => {
          setLink(s);
          if (err && !err.unreachable) setError(err);
        },
      },
      ctl.signal,
    );
    const meter = setInterval(() => {
      setRate(received.current);
      received.current = 0;
    }, 1000);
    return () => {
      ctl.abort();
      clearInterval(meter);
    };
  }, [tail, applied]);

  const submit = (e: Event) => {
    e.preventDefault();
    setApplied({ ...form });
  };
  const field = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  return (
    <div>
      <form class="row" onSubmit={submit} aria-label="log query">
        <label>
          Since <input name="since" value={form.since} onInput={field('since')} size={5} />
        </label>
        <label>
          Labels <input name="selector" value={form.selector} onInput={field('selector')} placeholder="service=api,host=web-1" />
        </label>
        <label>
          Text <input name="contains" value={form.contains} onInput={field('contains')} placeholder="substring" />
        </label>
        <label>
          Level{' '}
          <select name="level" value={form.level} onChange={field('level')}>
            <option value="">any</option>
            {['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <button type="submit">Query</button>
        <label>
          <input type="checkbox" checked={tail} onChange={(e) => setTail((e.target as HTMLInputElement).checked)} /> Live tail
        </label>
        {tail && (
          <span>
            <Badge value={link} /> {rate} lines/s
          </span>
        )}
      </form>
      <div role="tablist" class="tabs">
        <button role="tab" type="button" aria-selected={tab === 'lines'} onClick={() => setTab('lines')}>
          Lines
        </button>
        <button role="tab" type="button" aria-selected={tab === 'templates'} onClick={() => setTab('templates')}>
          Templates
        </button>
      </div>
      {tab === 'lines' ? (
        <Panel title={`Lines (${items.length}${more ? ', more match: narrow the query' : ''})`}>
          <ErrorNote error={error} what="logs" />
          {loading && <p class="muted">Loading…</p>}
          {!loading && items.length === 0 && <p class="muted">No lines match.</p>}
          <VirtualList label="log lines" items={items} rowHeight={18} height={480} follow={tail} render={(r) => <LogLine r={r} />} />
        </Panel>
      ) : (
        <Templates contains={applied.contains} />
      )}
    </div>
  );
}

function Templates({ contains }: { contains: string }) {
  const list = useLoad((api, s) => api.get<{ items: LogTemplate[]; total: number }>('/v1/logs/templates', { limit: 50, contains }, s), [contains], undefined, 15_000);
  const top = (list.data?.items ?? []).slice(0, 20);
  const sparks = useLoad(
    async (api, s) => {
      // The last hour per template in 12 five-minute buckets, from the records themselves.
      const now = Date.now();
      const out: Record<number, number[]> = {};
      await Promise.all(
        top.map(async (t) => {
          const r = await api.get<{ items: LogRecord[] }>('/v1/logs/query', { template: t.id, from: now - 3_600_000, to: now, limit: 2000 }, s);
          const buckets = new Array(12).fill(0);
          for (const rec of r.items) buckets[Math.min(11, Math.max(0, Math.floor((rec.timeMs - (now - 3_600_000)) / 300_000)))]++;
          out[t.id] = buckets;
        }),
      );
      return out;
    },
    [top.map((t) => t.id).join(',')],
  );
  return (
    <Panel title={`Templates (${list.data?.total ?? 0})`}>
      <ErrorNote error={list.error} what="templates" />
      <table data-testid="templates">
        <thead>
          <tr>
            <th>Id</th>
            <th>Count</th>
            <th>Last hour</th>
            <th>Template</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((t) => (
            <tr key={t.id}>
              <td>{t.id}</td>
              <td>{t.count}</td>
              <td>{sparks.data?.[t.id] ? <Sparkline values={sparks.data[t.id]} label={`template ${t.id}`} /> : ''}</td>
              <td>
                <code class="wrap">{t.template}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
