// Pipelines and runs: the newest runs (live), one run with its steps and its
// log lines following as they are written (GET /v1/runs/{id}/logs?follow=1,
// NDJSON), cancel and retry.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { Batcher, appendCapped } from '../api/live';
import type { List, Resource, Run, RunLogLine } from '../api/types';
import { Badge, ErrorNote, Panel, ago } from '../components/Common';
import { VirtualList } from '../components/VirtualList';
import { typeStarts, useLoad, useSession } from '../hooks';
import { listAll } from '../api/resources';
import { navigate } from '../router';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'error', 'interrupted']);

export function Runs() {
  const [pipeline, setPipeline] = useState('');
  const [status, setStatus] = useState('');
  const pipelines = useLoad((api, s) => listAll<Resource>(api, 'pipelines', s), [], typeStarts('Pipeline/'));
  const runs = useLoad((api, s) => api.get<List<Run>>('/v1/runs', { pipeline, status, limit: 100 }, s), [pipeline, status], typeStarts('run.'));
  return (
    <div>
      <Panel title="Pipelines">
        <ErrorNote error={pipelines.error} what="pipelines" />
        <ul class="inline">
          {(pipelines.data ?? []).map((p) => (
            <li key={p.metadata.name}>
              <button type="button" class={pipeline === p.metadata.name ? 'on' : ''} onClick={() => setPipeline(pipeline === p.metadata.name ? '' : p.metadata.name)}>
                {p.metadata.name}
              </button>
            </li>
          ))}
        </ul>
      </Panel>
      <Panel
        title="Runs"
        actions={
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
              <option value="">any</option>
              {['queued', 'running', 'succeeded', 'failed', 'cancelled', 'error', 'interrupted'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorNote error={runs.error} what="runs" />
        {runs.data && runs.data.items.length === 0 && <p class="muted">No runs yet.</p>}
        <table data-testid="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Pipeline</th>
              <th>Status</th>
              <th>Ref</th>
              <th>Commit</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {(runs.data?.items ?? []).map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`/runs/${r.id}`}>{r.id}</a>
                </td>
                <td>{r.pipeline}</td>
                <td>
                  <Badge value={r.status} />
                </td>
                <td>{r.trigger.branch || r.ref}</td>
                <td>
                  <code>{r.sha.slice(0, 10)}</code> {r.trigger.message?.split('\n')[0] ?? ''}
                </td>
                <td>{ago(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}

export function RunDetail({ id }: { id: string }) {
  const { api } = useSession();
  const run = useLoad((a, s) => a.get<Run>(`/v1/runs/${encodeURIComponent(id)}`, undefined, s), [id], (e) => e.subject === `run/${id}`);
  const [lines, setLines] = useState<RunLogLine[]>([]);
  const [streamState, setStreamState] = useState<'following' | 'ended' | 'error'>('following');
  const [streamError, setStreamError] = useState<ApiError | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    setLines([]);
    setStreamState('following');
    const batch = new Batcher<RunLogLine>((items) => setLines((old) => appendCapped(old, items, 200_000)));
    let seen = 0;
    const follow = async () => {
      // Reconnects (from the start, skipping lines already shown) until the run's stream ends.
      for (let attempt = 0; !ctl.signal.aborted; attempt++) {
        let count = 0;
        try {
          await api.ndjson<RunLogLine>(
            `/v1/runs/${encodeURIComponent(id)}/logs`,
            { follow: 1 },
            (l) => {
              count++;
              if (count > seen) {
                seen = count;
                batch.push(l);
              }
            },
            ctl.signal,
          );
          if (!ctl.signal.aborted) setStreamState('ended');
          return;
        } catch (e) {
          if (ctl.signal.aborted) return;
          setStreamError(e instanceof ApiError ? e : undefined);
          setStreamState('error');
          if (e instanceof ApiError && !e.unreachable) return;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
          setStreamState('following');
        }
      }
    };
    void follow();
    return () => ctl.abort();
  }, [api, id]);

  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setActionError(undefined);
    try {
      const r = await api.post<Run>(`/v1/runs/${encodeURIComponent(id)}/${what}`);
      if (what === 'retry' && r?.id) navigate(`/runs/${r.id}`);
      else run.reload();
    } catch (e) {
      setActionError(e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e)));
    } finally {
      setBusy(false);
    }
  };

  const r = run.data;
  const finished = r ? FINISHED.has(r.status) : false;
  return (
    <div>
      <p>
        <a href="/runs">← all runs</a>
      </p>
      <Panel
        title={`Run ${id}`}
        actions={
          <span class="actions">
            <button type="button" disabled={busy || !r || finished} onClick={() => act('cancel')}>
              Cancel
            </button>
            <button type="button" disabled={busy || !r || !finished} onClick={() => act('retry')}>
              Retry
            </button>
          </span>
        }
      >
        <ErrorNote error={run.error} what="the run" />
        <ErrorNote error={actionError} what="the action" />
        {r && (
          <div>
            <p>
              <strong>{r.pipeline}</strong> <Badge value={r.status} /> {r.cancelRequested && !finished && <em>cancel requested</em>} · {r.trigger.branch || r.ref} ·{' '}
              <code>{r.sha.slice(0, 12)}</code> · created {ago(r.createdAt)}
              {r.trigger.retryOf && (
                <>
                  {' '}
                  · retry of <a href={`/runs/${r.trigger.retryOf}`}>{r.trigger.retryOf}</a>
                </>
              )}
            </p>
            {r.reason && <p class="muted">{r.reason}</p>}
            <ol class="steps">
              {r.steps.map((s) => (
                <li key={s.name}>
                  {s.name} <Badge value={s.status} /> {s.exitCode !== undefined && `exit ${s.exitCode}`} {s.reason ?? ''}
                </li>
              ))}
            </ol>
          </div>
        )}
      </Panel>
      <Panel title={`Log (${lines.length} lines${streamState === 'following' ? ', following' : streamState === 'ended' ? ', complete' : ''})`}>
        {streamState === 'error' && <ErrorNote error={streamError} what="the log stream" />}
        <VirtualList
          label="run log"
          items={lines}
          rowHeight={18}
          height={420}
          follow
          render={(l) => (
            <div class={`logline ${l.stream}`} data-testid="run-log-line">
              <span class="muted">{l.step || '·'}</span> {l.line}
            </div>
          )}
        />
      </Panel>
    </div>
  );
}
