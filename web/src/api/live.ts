// Live updates: one long-lived event stream (GET /v1/events?follow=1) that
// reconnects with backoff and resumes after the last id it saw, and a
// batcher that turns a flood of lines into one render per animation frame.

import { ApiError, type ApiClient, type Query } from './client';
import type { SseEvent } from './sse';

export type LinkState = 'connecting' | 'live' | 'down';

export interface FollowOptions {
  path: string;
  query?: Query;
  after?: string; // resume point; sent as ?after=
  onEvent: (e: SseEvent) => void;
  onState?: (s: LinkState, error?: ApiError) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

// Follows an SSE endpoint until `signal` aborts. Returns immediately.
export function followSse(api: ApiClient, opts: FollowOptions, signal: AbortSignal): void {
  let after = opts.after ?? '';
  let backoff = opts.minBackoffMs ?? 500;
  const max = opts.maxBackoffMs ?? 10_000;
  const loop = async () => {
    while (!signal.aborted) {
      opts.onState?.('connecting');
      let gotAny = false;
      try {
        const query: Query = { ...opts.query, follow: 1 };
        if (after !== '') query.after = after;
        await api.sse(
          opts.path,
          query,
          (e) => {
            if (!gotAny) {
              gotAny = true;
              backoff = opts.minBackoffMs ?? 500;
            }
            if (e.id) after = e.id;
            opts.onEvent(e);
          },
          signal,
          () => opts.onState?.('live'),
        );
        if (signal.aborted) return;
        opts.onState?.('down', new ApiError(0, 'UNREACHABLE', 'the event stream ended'));
      } catch (e) {
        if (signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError(0, 'UNREACHABLE', String(e));
        opts.onState?.('down', err);
        if (err.unauthorized) return; // a new token is needed; retrying will not help
      }
      await sleep(backoff, signal);
      backoff = Math.min(max, backoff * 2);
    }
  };
  void loop();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

// Collects items and hands them over at most once per frame (or per
// `intervalMs` when there is no requestAnimationFrame), keeping only the
// newest `cap` items in the view. At 1,000 lines/s this is ~17 lines per
// render instead of 1,000 renders.
export class Batcher<T> {
  private pending: T[] = [];
  private scheduled = false;
  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: (fn: () => void) => void = defaultSchedule,
  ) {}
  push(item: T): void {
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        const items = this.pending;
        this.pending = [];
        if (items.length) this.flush(items);
      });
    }
  }
}

function defaultSchedule(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(() => fn());
  } else {
    setTimeout(fn, 50);
  }
}

// Appends `items` to `list`, keeping the last `cap`.
export function appendCapped<T>(list: T[], items: T[], cap: number): T[] {
  const next = list.concat(items);
  return next.length > cap ? next.slice(next.length - cap) : next;
}
