import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/client';

const GOOD = new Set(['ready', 'succeeded', 'success', 'active', 'resolved', 'live']);
const BAD = new Set(['failed', 'error', 'firing', 'invalid', 'down', 'interrupted']);
const BUSY = new Set(['running', 'queued', 'pending', 'converging', 'launching', 'booted', 'bootstrapping', 'draining', 'terminating', 'requested', 'connecting']);

export function Badge({ value }: { value: string | undefined }) {
  const v = (value ?? 'unknown').toLowerCase();
  const cls = GOOD.has(v) ? 'good' : BAD.has(v) ? 'bad' : BUSY.has(v) ? 'busy' : 'neutral';
  return <span class={`badge ${cls}`}>{value ?? 'unknown'}</span>;
}

export function ErrorNote({ error, what }: { error: ApiError | undefined; what: string }) {
  if (!error) return null;
  const text = error.unreachable
    ? `Cannot reach the kelola server to load ${what}; showing the last known data, retrying.`
    : error.unauthorized
      ? `The token was refused while loading ${what} (${error.message}). Log in again.`
      : `Could not load ${what}: ${error.message}`;
  return (
    <p class={`note ${error.unreachable ? 'warn' : 'bad'}`} role="alert">
      {text}
    </p>
  );
}

export function Panel({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function ago(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return String(iso);
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return `in ${fmtSecs(-s)}`;
  return `${fmtSecs(s)} ago`;
}

function fmtSecs(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
