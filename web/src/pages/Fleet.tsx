// Fleet: server groups, hosts with lifecycle state and reasons, scaling
// policies (with whatever decisions their status records), and a chart of a
// host metric over time from GET /v1/metrics/query.
import { useState } from 'preact/hooks';
import { listAll } from '../api/resources';
import type { Host, Resource, ServerGroup } from '../api/types';
import { LineChart } from '../components/Charts';
import { Badge, ErrorNote, Panel, ago } from '../components/Common';
import { VirtualList } from '../components/VirtualList';
import { typeStarts, useLoad } from '../hooks';

interface RangeAnswer {
  metric: string;
  points: [number, number][];
}

export function Fleet() {
  const groups = useLoad((api, s) => listAll<ServerGroup>(api, 'server-groups', s), [], typeStarts('ServerGroup/', 'fleet.group'));
  const hosts = useLoad((api, s) => listAll<Host>(api, 'hosts', s), [], typeStarts('Host/', 'fleet.host'));
  const policies = useLoad((api, s) => listAll<Resource>(api, 'scaling-policies', s), [], typeStarts('ScalingPolicy/', 'scale.'));
  const [filter, setFilter] = useState('');
  const [host, setHost] = useState('');
  const [metric, setMetric] = useState('cpu_busy_percent');
  const [range, setRange] = useState('3600000');
  const chart = useLoad(
    (api, s) =>
      host ? api.get<RangeAnswer>('/v1/metrics/query', { metric, host, from: Date.now() - Number(range), step: Number(range) >= 86_400_000 ? '5m' : '1m' }, s) : Promise.resolve(undefined),
    [host, metric, range],
    undefined,
    host ? 15_000 : undefined,
  );
  const shown = (hosts.data ?? []).filter((h) => !filter || h.metadata.name.includes(filter) || (h.status?.state ?? '').toLowerCase().includes(filter.toLowerCase()));
  return (
    <div>
      <Panel title="Server groups">
        <ErrorNote error={groups.error} what="server groups" />
        {groups.data && groups.data.length === 0 && <p class="muted">No server groups.</p>}
        <table>
          <thead>
            <tr>
              <th>Group</th>
              <th>Phase</th>
              <th>Reason</th>
              <th>Hosts</th>
            </tr>
          </thead>
          <tbody>
            {(groups.data ?? []).map((g) => (
              <tr key={g.metadata.name} id={g.metadata.name}>
                <td>{g.metadata.name}</td>
                <td>
                  <Badge value={g.status?.phase} />
                </td>
                <td>{g.status?.reason ?? ''}</td>
                <td>{(hosts.data ?? []).filter((h) => h.metadata.labels?.['kelola.io/group'] === g.metadata.name).length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title={`Hosts (${hosts.data?.length ?? 0})`}>
        <ErrorNote error={hosts.error} what="hosts" />
        <label>
          Filter <input value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="name or state" />
        </label>
        <div class="thead hostrow">
          <span>Host</span>
          <span>State</span>
          <span>Reason</span>
          <span>Since</span>
          <span />
        </div>
        <VirtualList
          label="hosts"
          items={shown}
          rowHeight={30}
          height={Math.min(360, Math.max(60, shown.length * 30))}
          render={(h) => (
            <div class="hostrow">
              <span>{h.metadata.name}</span>
              <span>
                <Badge value={h.status?.state} />
              </span>
              <span title={h.status?.reason}>{h.status?.reason ?? ''}</span>
              <span>{ago(h.status?.since)}</span>
              <span>
                <button type="button" onClick={() => setHost(h.metadata.name)} aria-label={`chart metrics of ${h.metadata.name}`}>
                  Chart
                </button>
              </span>
            </div>
          )}
        />
      </Panel>
      <Panel title="Scaling">
        <ErrorNote error={policies.error} what="scaling policies" />
        {policies.data && policies.data.length === 0 && <p class="muted">No scaling policies.</p>}
        <ul>
          {(policies.data ?? []).map((p) => (
            <li key={p.metadata.name}>
              <strong>{p.metadata.name}</strong> → group {String((p.spec as { group?: string }).group ?? '')}{' '}
              {p.status && <code class="wrap">{JSON.stringify(p.status).slice(0, 400)}</code>}
            </li>
          ))}
        </ul>
        <div class="row">
          <label>
            Host{' '}
            <select value={host} onChange={(e) => setHost((e.target as HTMLSelectElement).value)}>
              <option value="">(pick a host)</option>
              {(hosts.data ?? []).slice(0, 2000).map((h) => (
                <option key={h.metadata.name} value={h.metadata.name}>
                  {h.metadata.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Metric{' '}
            <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value)}>
              {['cpu_busy_percent', 'memory_used_percent', 'load1', 'disk_used_percent', 'network_receive_bytes_per_second', 'network_transmit_bytes_per_second'].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            Range{' '}
            <select value={range} onChange={(e) => setRange((e.target as HTMLSelectElement).value)}>
              <option value="3600000">1 hour</option>
              <option value="21600000">6 hours</option>
              <option value="86400000">1 day</option>
            </select>
          </label>
        </div>
        <ErrorNote error={chart.error} what="the metric" />
        {host && chart.data && (
          <LineChart
            label={`${metric} of ${host}`}
            series={[{ name: `${metric} (${host})`, points: chart.data.points, color: '#2563eb' }]}
            xFormat={(x) => new Date(x).toLocaleTimeString()}
          />
        )}
      </Panel>
    </div>
  );
}
