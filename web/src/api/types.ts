// Shapes of the REST API's answers (docs/api.md, docs/pipelines.md, docs/fleet.md).

export interface Meta {
  name: string;
  labels?: Record<string, string>;
  resourceVersion?: string | number;
  createdAt?: string;
  updatedAt?: string;
}
export interface Resource<S = Record<string, unknown>, T = Record<string, unknown>> {
  kind: string;
  metadata: Meta;
  spec: S;
  status?: T;
}
export interface HostStatus {
  state?: string;
  reason?: string;
  since?: string;
  address?: string;
  consecutiveFailures?: number;
  lastCheck?: unknown;
}
export type Host = Resource<{ address?: string; port?: number }, HostStatus>;
export type ServerGroup = Resource<Record<string, unknown>, { phase?: string; reason?: string; [k: string]: unknown }>;
export interface List<T> {
  items: T[];
  continue?: string;
}

export interface RunStep {
  name: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  exitCode?: number;
  reason?: string;
}
export interface Run {
  id: string;
  pipeline: string;
  status: string;
  sha: string;
  ref: string;
  event: string;
  trigger: { branch?: string; message?: string; sender?: string; retryOf?: string; repository?: string };
  cancelRequested: boolean;
  steps: RunStep[];
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  reason?: string;
}
export interface RunLogLine {
  n: number;
  time: string;
  step: string;
  stream: string;
  line: string;
}

export interface LogRecord {
  id: number;
  time: string;
  timeMs: number;
  agent: string;
  labels: Record<string, string>;
  file?: string;
  stream?: string;
  text: string;
  level: string;
  fields?: Record<string, string>;
}
export interface LogTemplate {
  id: number;
  template: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  example: string;
}

export interface Alert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  activeAt?: string;
  startsAt?: string;
  endsAt?: string;
}
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}
export interface Silence {
  kind?: string;
  metadata?: Meta;
  id?: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status?: { state: string };
  spec?: { matchers: Matcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string };
}

export interface KelolaEvent {
  id: number;
  type: string;
  subject: string;
  time?: string;
  data?: Record<string, unknown>;
}
