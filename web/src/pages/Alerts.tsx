// Alerts and silences: alerts with their state (firing, silenced, ...), a
// form that creates a silence (Alertmanager's matcher syntax), the silences
// with an Expire button.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { listAll } from '../api/resources';
import type { Alert, List, Matcher, Resource } from '../api/types';
import { Badge, ErrorNote, Panel, ago } from '../components/Common';
import { typeStarts, useLoad, useSession } from '../hooks';

interface SilenceSpec {
  matchers: (Matcher | string)[]; // stored silences keep them as strings: service="api"
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

function matcherText(m: Matcher | string): string {
  if (typeof m === 'string') return m;
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}"${m.value}"`;
}

// "a=b, c=~d.*" → the API's string matchers (it parses and checks them).
export function splitMatchers(text: string): string[] {
  return text
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function silenceState(s: Resource<SilenceSpec>): string {
  const st = (s.status as { state?: string } | undefined)?.state;
  if (st) return st;
  const now = Date.now();
  if (Date.parse(s.spec.endsAt) <= now) return 'expired';
  if (Date.parse(s.spec.startsAt) > now) return 'pending';
  return 'active';
}

export function Alerts() {
  const { api } = useSession();
  const alerts = useLoad((a, s) => a.get<List<Alert>>('/v1/alerts', undefined, s), [], typeStarts('alert', 'Alert/', 'Silence/'), 5_000);
  const silences = useLoad((a, s) => listAll<Resource<SilenceSpec>>(a, 'silences', s), [], typeStarts('alert.silence', 'Silence/'));
  const [matchers, setMatchers] = useState('');
  const [hours, setHours] = useState('2');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState('');

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone('');
    try {
      const now = Date.now();
      const r = await api.post<{ silenceID: string }>('/v1/silences', {
        matchers: splitMatchers(matchers),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + Number(hours) * 3_600_000).toISOString(),
        comment,
      });
      setDone(`Silence ${r.silenceID} created.`);
      setMatchers('');
      setComment('');
      silences.reload();
      alerts.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)));
    }
  };
  const expire = async (id: string) => {
    setError(undefined);
    try {
      await api.del(`/v1/silences/${encodeURIComponent(id)}`);
      silences.reload();
      alerts.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)));
    }
  };
  const silenceFor = (a: Alert) =>
    setMatchers(
      Object.entries(a.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', '),
    );

  return (
    <div>
      <Panel title="Alerts">
        <ErrorNote error={alerts.error} what="alerts" />
        {alerts.data && alerts.data.items.length === 0 && <p class="muted">No alerts.</p>}
        <table data-testid="alerts">
          <thead>
            <tr>
              <th>Alert</th>
              <th>State</th>
              <th>Labels</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(alerts.data?.items ?? []).map((a) => (
              <tr key={a.fingerprint} data-state={a.status.state}>
                <td>{a.labels.alertname ?? a.fingerprint}</td>
                <td>
                  <Badge value={a.state} /> {a.status.silencedBy.length > 0 && <Badge value="silenced" />}
                  {a.status.inhibitedBy.length > 0 && <Badge value="inhibited" />}
                </td>
                <td>
                  <code class="wrap">
                    {Object.entries(a.labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(' ')}
                  </code>
                  {a.annotations.summary && <div class="muted">{a.annotations.summary}</div>}
                </td>
                <td>{ago(a.activeAt ?? a.startsAt)}</td>
                <td>
                  <button type="button" onClick={() => silenceFor(a)}>
                    Silence…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="New silence">
        <form onSubmit={create} class="row" aria-label="new silence">
          <label>
            Matchers <input name="matchers" value={matchers} onInput={(e) => setMatchers((e.target as HTMLInputElement).value)} placeholder='alertname="HighErrors", service=~"api|web"' size={50} required />
          </label>
          <label>
            Hours <input name="hours" type="number" min="0.1" step="0.1" value={hours} onInput={(e) => setHours((e.target as HTMLInputElement).value)} size={4} />
          </label>
          <label>
            Comment <input name="comment" value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Create silence</button>
        </form>
        <ErrorNote error={error} what="the silence" />
        {done && <p role="status">{done}</p>}
      </Panel>
      <Panel title="Silences">
        <ErrorNote error={silences.error} what="silences" />
        <table data-testid="silences">
          <thead>
            <tr>
              <th>Id</th>
              <th>State</th>
              <th>Matchers</th>
              <th>Ends</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(silences.data ?? []).map((s) => {
              const state = silenceState(s);
              return (
                <tr key={s.metadata.name}>
                  <td>{s.metadata.name}</td>
                  <td>
                    <Badge value={state} />
                  </td>
                  <td>
                    <code class="wrap">{(s.spec.matchers ?? []).map(matcherText).join(', ')}</code>
                  </td>
                  <td>{ago(s.spec.endsAt)}</td>
                  <td>
                    {s.spec.createdBy} {s.spec.comment && <span class="muted">— {s.spec.comment}</span>}
                  </td>
                  <td>
                    {state !== 'expired' && (
                      <button type="button" onClick={() => expire(s.metadata.name)}>
                        Expire
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}
