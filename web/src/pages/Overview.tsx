// Overview: fleet health, running pipelines, active alerts, recent events,
// and recent releases once the server offers /v1/releases (a 404 hides the
// panel). Every panel reloads when the event stream reports a change.
import { countBy, listAll } from '../api/resources';
import type { Alert, Host, KelolaEvent, List, Run, ServerGroup } from '../api/types';
import { Badge, ErrorNote, Panel, ago } from '../components/Common';
import { typeStarts, useLoad } from '../hooks';

export function Overview() {
  const hosts = useLoad((api, s) => listAll<Host>(api, 'hosts', s), [], typeStarts('Host/', 'fleet.host'));
  const groups = useLoad((api, s) => listAll<ServerGroup>(api, 'server-groups', s), [], typeStarts('ServerGroup/', 'fleet.group'));
  const runs = useLoad(
    async (api, s) => {
      const [running, queued] = await Promise.all([
        api.get<List<Run>>('/v1/runs', { status: 'running', limit: 20 }, s),
        api.get<List<Run>>('/v1/runs', { status: 'queued', limit: 20 }, s),
      ]);
      return [...running.items, ...queued.items];
    },
    [],
    typeStarts('run.'),
  );
  const alerts = useLoad((api, s) => api.get<List<Alert>>('/v1/alerts', { state: 'firing' }, s), [], typeStarts('alert', 'Alert/', 'Silence/'), 10_000);
  const releases = useLoad(
    async (api, s) => {
      try {
        return await api.get<List<Record<string, unknown>>>('/v1/releases', { limit: 10 }, s);
      } catch (e) {
        if ((e as { notFound?: boolean }).notFound) return null; // this server has no releases API yet
        throw e;
      }
    },
    [],
    typeStarts('release', 'Release/'),
  );
  const events = useLoad(
    async (api, s) => {
      const head = await api.get<{ lastEventId: number }>('/v1/events', { limit: 1 }, s);
      const after = Math.max(0, head.lastEventId - 15);
      return (await api.get<List<KelolaEvent>>('/v1/events', { after, limit: 15 }, s)).items.reverse();
    },
    [],
    (e) => !e.type.startsWith('audit.'),
  );

  const byState = countBy(hosts.data ?? [], (h) => h.status?.state ?? 'Unknown');
  const ready = byState.find(([s]) => s === 'Ready')?.[1] ?? 0;
  const total = hosts.data?.length ?? 0;
  return (
    <div class="grid">
      <Panel title="Fleet health">
        <ErrorNote error={hosts.error} what="hosts" />
        <p class="big" data-testid="fleet-ready">
          {hosts.data ? `${ready} / ${total} hosts Ready` : hosts.loading ? 'Loading…' : '—'}
        </p>
        <ul class="inline">
          {byState.map(([s, n]) => (
            <li key={s}>
              <Badge value={s} /> {n}
            </li>
          ))}
        </ul>
        <ErrorNote error={groups.error} what="server groups" />
        <ul>
          {(groups.data ?? []).map((g) => (
            <li key={g.metadata.name}>
              <a href={`/fleet#${g.metadata.name}`}>{g.metadata.name}</a> <Badge value={g.status?.phase} /> {g.status?.reason ?? ''}
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title="Running pipelines">
        <ErrorNote error={runs.error} what="runs" />
        {runs.data && runs.data.length === 0 && <p class="muted">Nothing running or queued.</p>}
        <ul data-testid="running-runs">
          {(runs.data ?? []).map((r) => (
            <li key={r.id}>
              <a href={`/runs/${r.id}`}>{r.pipeline}</a> <Badge value={r.status} /> {r.trigger.branch ?? r.ref} · {r.sha.slice(0, 8)} · {ago(r.createdAt)}
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title="Active alerts">
        <ErrorNote error={alerts.error} what="alerts" />
        {alerts.data && alerts.data.items.length === 0 && <p class="muted">No firing alerts.</p>}
        <ul>
          {(alerts.data?.items ?? []).map((a) => (
            <li key={a.fingerprint}>
              <Badge value={a.status.state === 'suppressed' ? 'silenced' : a.state} /> <a href="/alerts">{a.labels.alertname ?? a.fingerprint}</a>{' '}
              {Object.entries(a.labels)
                .filter(([k]) => k !== 'alertname')
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}
            </li>
          ))}
        </ul>
      </Panel>
      {releases.data !== null && (releases.data !== undefined || releases.error) && (
        <Panel title="Recent releases">
          <ErrorNote error={releases.error} what="releases" />
          <ul>
            {(releases.data?.items ?? []).map((r, i) => (
              <li key={i}>
                <code>{String((r as { metadata?: { name?: string } }).metadata?.name ?? (r as { id?: string }).id ?? i)}</code>{' '}
                <Badge value={String((r as { status?: { phase?: string } }).status?.phase ?? (r as { status?: string }).status ?? '')} />
              </li>
            ))}
          </ul>
        </Panel>
      )}
      <Panel title="Recent events">
        <ErrorNote error={events.error} what="events" />
        <ul class="events">
          {(events.data ?? []).map((e) => (
            <li key={e.id}>
              <code>{e.type}</code> {e.subject} <span class="muted">{ago(e.time)}</span>
            </li>
          ))}
        </ul>
      </Panel>
    </div>
  );
}
