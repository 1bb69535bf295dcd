// The autoscaling simulator: upload a load trace, pick ScalingPolicy files
// (or the stored ScalingPolicy resources), set the capacity model, and see
// each contestant's hosts and capacity against the demand, with its score
// (POST /v1/scale/simulate, the same code as `kelola scale simulate`).
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { listAll } from '../api/resources';
import type { Resource } from '../api/types';
import { LineChart, type Series } from '../components/Charts';
import { ErrorNote, Panel } from '../components/Common';
import { useLoad, useSession } from '../hooks';

export interface SimResult {
  name: string;
  hostHours: number;
  minutesOverSlo: number;
  minutesOverloaded: number;
  unservedRequests: number;
  scalingActions: number;
  flaps: number;
  minHosts: number;
  maxHosts: number;
  meanUtilization: number;
  hosts: number[];
  capacity: number[];
}
export interface SimAnswer {
  minutes: number;
  bucketMinutes: number;
  demand: number[];
  results: SimResult[];
}

const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c'];

async function readFile(input: HTMLInputElement): Promise<{ name: string; text: string }[]> {
  const out = [];
  for (const f of Array.from(input.files ?? [])) out.push({ name: f.name, text: await f.text() });
  return out;
}

export function Simulator() {
  const { api } = useSession();
  const stored = useLoad((a, s) => listAll<Resource>(a, 'scaling-policies', s), []);
  const [trace, setTrace] = useState<{ name: string; text: string } | undefined>();
  const [files, setFiles] = useState<{ name: string; text: string }[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [model, setModel] = useState({ capacityPerHost: 100, bootSeconds: 120, intervalSeconds: 15, sloUtilization: 0.8, loadScale: 1 });
  const [baseline, setBaseline] = useState(true);
  const [answer, setAnswer] = useState<SimAnswer | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!trace) {
      setError(new ApiError(400, 'INVALID_ARGUMENT', 'Choose a trace file first (minute,requests lines or timestamped CSV).'));
      return;
    }
    const sets = files.map((f) => ({ name: f.name.replace(/\.(ya?ml|json)$/, ''), policies: f.text }));
    for (const name of picked) {
      const p = stored.data?.find((r) => r.metadata.name === name);
      if (p) sets.push({ name, policies: JSON.stringify({ kind: 'ScalingPolicy', metadata: { name }, spec: p.spec }) });
    }
    if (sets.length === 0) {
      setError(new ApiError(400, 'INVALID_ARGUMENT', 'Pick at least one policy: upload a file or tick a stored ScalingPolicy.'));
      return;
    }
    setBusy(true);
    try {
      setAnswer(await api.post<SimAnswer>('/v1/scale/simulate', { trace: trace.text, policySets: sets, baseline, model }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)));
    } finally {
      setBusy(false);
    }
  };
  const num = (k: keyof typeof model) => (e: Event) => setModel({ ...model, [k]: Number((e.target as HTMLInputElement).value) });

  const series: Series[] = [];
  if (answer) {
    const b = answer.bucketMinutes;
    series.push({ name: 'demand (req/min)', points: answer.demand.map((v, i) => [i * b, v]), color: '#6b7280' });
    answer.results.forEach((r, k) => series.push({ name: `${r.name} capacity`, points: r.capacity.map((v, i) => [i * b, v]), color: COLORS[k % COLORS.length], step: true }));
  }
  return (
    <div>
      <Panel title="Inputs">
        <form onSubmit={run} aria-label="simulation">
          <div class="row">
            <label>
              Trace <input type="file" name="trace" accept=".csv,.txt" onChange={async (e) => setTrace((await readFile(e.target as HTMLInputElement))[0])} />
            </label>
            <label>
              Policy files <input type="file" name="policies" accept=".yaml,.yml,.json" multiple onChange={async (e) => setFiles(await readFile(e.target as HTMLInputElement))} />
            </label>
            <label>
              <input type="checkbox" checked={baseline} onChange={(e) => setBaseline((e.target as HTMLInputElement).checked)} /> compare with the plain HPA
            </label>
          </div>
          {stored.data && stored.data.length > 0 && (
            <fieldset>
              <legend>Stored ScalingPolicies</legend>
              {stored.data.map((p) => (
                <label key={p.metadata.name}>
                  <input
                    type="checkbox"
                    checked={picked.includes(p.metadata.name)}
                    onChange={(e) => setPicked((e.target as HTMLInputElement).checked ? [...picked, p.metadata.name] : picked.filter((n) => n !== p.metadata.name))}
                  />{' '}
                  {p.metadata.name}
                </label>
              ))}
            </fieldset>
          )}
          <div class="row">
            <label>
              Capacity/host (req/min) <input type="number" value={model.capacityPerHost} onInput={num('capacityPerHost')} size={6} />
            </label>
            <label>
              Boot (s) <input type="number" value={model.bootSeconds} onInput={num('bootSeconds')} size={5} />
            </label>
            <label>
              Interval (s) <input type="number" value={model.intervalSeconds} onInput={num('intervalSeconds')} size={4} />
            </label>
            <label>
              SLO utilization <input type="number" step="0.05" value={model.sloUtilization} onInput={num('sloUtilization')} size={4} />
            </label>
            <label>
              Load × <input type="number" step="0.1" value={model.loadScale} onInput={num('loadScale')} size={4} />
            </label>
            <button type="submit" disabled={busy}>
              {busy ? 'Simulating…' : 'Simulate'}
            </button>
          </div>
        </form>
        <ErrorNote error={error} what="the simulation" />
      </Panel>
      {answer && (
        <Panel title={`Result (${answer.minutes} minutes${answer.bucketMinutes > 1 ? `, plotted in ${answer.bucketMinutes}-minute buckets` : ''})`}>
          <LineChart label="demand and capacity per policy" series={series} xFormat={(m) => `${Math.round(m / 60)}h`} />
          <table data-testid="sim-results">
            <thead>
              <tr>
                <th>Policy</th>
                <th>Host-hours</th>
                <th>Min over SLO</th>
                <th>Min overloaded</th>
                <th>Unserved</th>
                <th>Actions</th>
                <th>Flaps</th>
                <th>Hosts</th>
                <th>Mean util.</th>
              </tr>
            </thead>
            <tbody>
              {answer.results.map((r) => (
                <tr key={r.name}>
                  <td>{r.name}</td>
                  <td>{r.hostHours.toFixed(1)}</td>
                  <td>{r.minutesOverSlo}</td>
                  <td>{r.minutesOverloaded}</td>
                  <td>{Math.round(r.unservedRequests)}</td>
                  <td>{r.scalingActions}</td>
                  <td>{r.flaps}</td>
                  <td>
                    {r.minHosts}–{r.maxHosts}
                  </td>
                  <td>{r.meanUtilization.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
    </div>
  );
}
