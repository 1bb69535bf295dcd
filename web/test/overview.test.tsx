import { render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api/client';
import type { KelolaEvent } from '../src/api/types';
import { SessionContext, type Session } from '../src/hooks';
import { Overview } from '../src/pages/Overview';

function session(routes: Record<string, (url: string) => Response>): { s: Session; emit: (e: KelolaEvent) => void; calls: string[] } {
  const calls: string[] = [];
  const listeners = new Set<(e: KelolaEvent) => void>();
  const api = new ApiClient(
    () => 'kl_test_secret',
    async (url) => {
      calls.push(url);
      const path = url.split('?')[0];
      const h = routes[path];
      if (!h) return new Response('{"error":{"code":"NOT_FOUND","message":"no route for path ' + path + '"}}', { status: 404 });
      return h(url);
    },
  );
  return {
    calls,
    emit: (e) => listeners.forEach((fn) => fn(e)),
    s: {
      api,
      subscribe: (fn) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    },
  };
}

const json = (body: unknown) => () => new Response(JSON.stringify(body), { status: 200 });
const host = (name: string, state: string) => ({ kind: 'Host', metadata: { name }, spec: {}, status: { state } });

function base(hosts: unknown[]) {
  return {
    '/v1/hosts': json({ items: hosts, metadata: {} }),
    '/v1/server-groups': json({ items: [], metadata: {} }),
    '/v1/runs': json({ items: [] }),
    '/v1/alerts': json({ items: [] }),
    '/v1/events': json({ items: [], lastEventId: 0 }),
  };
}

describe('Overview', () => {
  it('counts hosts by state and hides releases when the server has no /v1/releases', async () => {
    const { s, calls } = session(base([host('a', 'Ready'), host('b', 'Ready'), host('c', 'Failed')]));
    render(
      <SessionContext.Provider value={s}>
        <Overview />
      </SessionContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('fleet-ready').textContent).toBe('2 / 3 hosts Ready'));
    await waitFor(() => expect(calls.some((c) => c.startsWith('/v1/releases'))).toBe(true));
    expect(screen.queryByText('Recent releases')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull(); // a 404 there is not an error to show
  });

  it('shows releases once the API exists, and reloads hosts on a Host event', async () => {
    let hosts = [host('a', 'Booted')];
    const routes = {
      ...base([]),
      '/v1/hosts': () => new Response(JSON.stringify({ items: hosts, metadata: {} }), { status: 200 }),
      '/v1/releases': json({ items: [{ metadata: { name: 'api-v42' }, status: { phase: 'Succeeded' } }] }),
    };
    const { s, emit } = session(routes);
    render(
      <SessionContext.Provider value={s}>
        <Overview />
      </SessionContext.Provider>,
    );
    await waitFor(() => expect(screen.getByText('api-v42')).toBeTruthy());
    expect(screen.getByText('Recent releases')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('fleet-ready').textContent).toBe('0 / 1 hosts Ready'));
    hosts = [host('a', 'Ready')];
    emit({ id: 9, type: 'fleet.host.ready', subject: 'Host/a' });
    await waitFor(() => expect(screen.getByTestId('fleet-ready').textContent).toBe('1 / 1 hosts Ready'));
  });

  it('says the server is unreachable instead of failing', async () => {
    const api = new ApiClient(() => 't', async () => {
      throw new TypeError('Failed to fetch');
    });
    render(
      <SessionContext.Provider value={{ api, subscribe: () => () => {} }}>
        <Overview />
      </SessionContext.Provider>,
    );
    await waitFor(() => expect(screen.getAllByRole('alert').length).toBeGreaterThan(0));
    expect(screen.getAllByRole('alert')[0].textContent).toContain('Cannot reach the kelola server');
  });
});
