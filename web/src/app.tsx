// The shell: log in with an API token, then a navigation bar, a connection
// indicator fed by the server's event stream, and the pages.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient, ApiError } from './api/client';
import { followSse, type LinkState } from './api/live';
import type { KelolaEvent } from './api/types';
import { clearToken, loadToken, looksLikeToken, saveToken } from './auth';
import { Badge } from './components/Common';
import { SessionContext, type Session } from './hooks';
import { Alerts } from './pages/Alerts';
import { Fleet } from './pages/Fleet';
import { Logs } from './pages/Logs';
import { Overview } from './pages/Overview';
import { RunDetail, Runs } from './pages/Runs';
import { Simulator } from './pages/Simulator';
import { navigate, onLinkClick, usePath } from './router';

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/fleet', 'Fleet'],
  ['/runs', 'Pipelines'],
  ['/logs', 'Logs'],
  ['/alerts', 'Alerts'],
  ['/simulator', 'Simulator'],
];

export function Login({ onToken, error }: { onToken: (t: string) => void; error?: string }) {
  const [value, setValue] = useState('');
  const [local, setLocal] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const t = value.trim();
    if (!looksLikeToken(t)) {
      setLocal('That does not look like a kelola token (kl_<id>_<secret>).');
      return;
    }
    onToken(t);
  };
  return (
    <main class="login">
      <h1>kelola</h1>
      <form onSubmit={submit} aria-label="log in">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          placeholder="kl_…"
          autofocus
        />
        <button type="submit">Log in</button>
        {(local || error) && (
          <p class="note bad" role="alert">
            {local || error}
          </p>
        )}
        <p class="muted">
          Create one with <code>kelola token create NAME --role viewer</code>. It is kept in this tab's session storage only.
        </p>
      </form>
    </main>
  );
}

function Page({ path }: { path: string }) {
  if (path === '/' || path === '') return <Overview />;
  if (path === '/fleet') return <Fleet />;
  if (path === '/runs') return <Runs />;
  if (path.startsWith('/runs/')) return <RunDetail id={decodeURIComponent(path.slice(6))} />;
  if (path === '/logs') return <Logs />;
  if (path === '/alerts') return <Alerts />;
  if (path === '/simulator') return <Simulator />;
  return (
    <p>
      No page at <code>{path}</code>. <a href="/">Overview</a>
    </p>
  );
}

export function App() {
  const [token, setToken] = useState(loadToken());
  const [loginError, setLoginError] = useState('');
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const api = useMemo(() => new ApiClient(() => tokenRef.current), []);
  const listeners = useRef(new Set<(e: KelolaEvent) => void>());
  const [link, setLink] = useState<LinkState>('connecting');
  const [linkError, setLinkError] = useState<ApiError | undefined>();
  const path = usePath();

  const logout = useCallback((why = '') => {
    clearToken();
    setToken('');
    setLoginError(why);
  }, []);

  const login = async (t: string) => {
    tokenRef.current = t;
    try {
      await api.get('/v1/events', { limit: 1 });
      saveToken(t);
      setLoginError('');
      setToken(t);
    } catch (e) {
      tokenRef.current = '';
      setLoginError(e instanceof ApiError ? (e.unauthorized ? 'The server refused this token.' : e.message) : String(e));
    }
  };

  // One event stream for the whole app, starting after the newest event.
  useEffect(() => {
    if (!token) return;
    const ctl = new AbortController();
    (async () => {
      let after = '';
      try {
        const head = await api.get<{ lastEventId: number }>('/v1/events', { limit: 1 }, ctl.signal);
        after = String(head.lastEventId);
      } catch (e) {
        if (e instanceof ApiError && e.unauthorized) {
          logout('The server refused the stored token; log in again.');
          return;
        }
      }
      followSse(
        api,
        {
          path: '/v1/events',
          after,
          onEvent: (e) => {
            try {
              const ev = JSON.parse(e.data) as KelolaEvent;
              for (const fn of listeners.current) fn(ev);
            } catch {
              // not an event object: ignore
            }
          },
          onState: (s, err) => {
            setLink(s);
            setLinkError(err);
            if (err?.unauthorized) logout('The server refused the token; log in again.');
          },
        },
        ctl.signal,
      );
    })();
    return () => ctl.abort();
  }, [token, api, logout]);

  const subscribe = useCallback((fn: (e: KelolaEvent) => void) => {
    listeners.current.add(fn);
    return () => listeners.current.delete(fn);
  }, []);
  const session: Session = useMemo(() => ({ api, subscribe }), [api, subscribe]);

  if (!token) return <Login onToken={login} error={loginError} />;
  const title = NAV.find(([p]) => p === path || (p !== '/' && path.startsWith(p)))?.[1] ?? 'kelola';
  return (
    <SessionContext.Provider value={session}>
      <div onClick={onLinkClick}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <strong>kelola</strong>
          <nav aria-label="pages">
            {NAV.map(([p, label]) => (
              <a key={p} href={p} aria-current={title === label ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span class="link" data-testid="link-state" title={linkError?.message ?? ''}>
            <Badge value={link === 'live' ? 'live' : link === 'down' ? 'down' : 'connecting'} />
          </span>
          <button type="button" onClick={() => logout()}>
            Log out
          </button>
        </header>
        {link === 'down' && (
          <p class="banner warn" role="status">
            The kelola server is unreachable ({linkError?.message ?? 'no answer'}). The page shows the last data it had and reconnects by itself.
          </p>
        )}
        <main id="main" tabIndex={-1}>
          <h1>{title}</h1>
          <Page path={path} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

export { navigate };
