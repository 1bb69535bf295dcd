// Data hooks shared by the pages: load a resource, reload it when the event
// stream says something relevant changed, and keep the last good answer
// visible (marked stale) while the server is unreachable.
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from './api/client';
import type { KelolaEvent } from './api/types';

export interface Session {
  api: ApiClient;
  // Subscribes to change events of the server (one shared stream).
  subscribe: (fn: (e: KelolaEvent) => void) => () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

// Loads with `fn`; reloads when `deps` change, when an event matches
// `watch` (debounced), and every `pollMs` if given.
export function useLoad<T>(
  fn: (api: ApiClient, signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  watch?: (e: KelolaEvent) => boolean,
  pollMs?: number,
): Loaded<T> {
  const { api, subscribe } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const watchRef = useRef(watch);
  watchRef.current = watch; // the latest filter (it may close over props such as a run id)
  const watching = watch !== undefined;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    fnRef
      .current(api, ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        setData(d);
        setError(undefined);
      })
      .catch((e) => {
        if (ctl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e)));
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [api, tick, ...deps]);

  useEffect(() => {
    if (!watching) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = subscribe((e) => {
      if (!watchRef.current?.(e)) return;
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          reload();
        }, 250);
      }
    });
    return () => {
      off();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [subscribe, reload, watching]);

  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(reload, pollMs);
    return () => clearInterval(t);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
}

export function typeStarts(...prefixes: string[]): (e: KelolaEvent) => boolean {
  return (e) => prefixes.some((p) => e.type.startsWith(p) || e.subject.startsWith(p));
}
