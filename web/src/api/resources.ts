// Reads every page of a resource list (GET /v1/{plural}, `metadata.continue`).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ApiClient } from './client';
import type { Resource } from './types';

interface ResourceList<T> {
  items: T[];
  metadata?: { continue?: string };
}

export async function listAll<T extends Resource<any, any>>(api: ApiClient, plural: string, signal?: AbortSignal, maxItems = 20_000): Promise<T[]> {
  const out: T[] = [];
  let cont = '';
  do {
    const page = await api.get<ResourceList<T>>(`/v1/${plural}`, { limit: 1000, continue: cont }, signal);
    out.push(...page.items);
    cont = page.metadata?.continue ?? '';
  } while (cont && out.length < maxItems);
  return out;
}

export function countBy<T>(items: T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}
