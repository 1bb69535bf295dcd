// Starts a real `kelola server` for the browser tests and the bench: a free
// loopback port, a temp data dir, the first admin token it writes. Also the
// small helpers both use to talk to it.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
}

export async function startServer({ binary, env = {}, dir } = {}) {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'kelola-dash-'));
  const port = await freePort();
  const dataDir = join(root, 'data');
  const logPath = join(root, 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawn(binary, ['server', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH, HOME: root, ...env },
  });
  let exited = null;
  child.on('exit', (code, sig) => (exited = code ?? sig));
  const url = `http://127.0.0.1:${port}`;
  const tokenFile = join(dataDir, 'admin.token');
  await waitFor(
    'kelola server to answer /readyz and write its admin token',
    async () => {
      if (exited !== null) throw new Error(`kelola server exited (${exited}): ${tail(logPath)}`);
      if (!existsSync(tokenFile)) return false;
      const r = await fetch(`${url}/readyz`);
      return r.ok;
    },
    60_000,
  );
  const token = readFileSync(tokenFile, 'utf8').trim();
  return {
    url,
    port,
    root,
    token,
    logPath,
    child,
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        await waitFor('kelola server to stop', () => exited !== null, 15_000).catch(() => child.kill('SIGKILL'));
      }
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function tail(path, n = 30) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function api(server, method, path, body, headers = {}) {
  const r = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'Content-Type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}

// `kelola <args>` against the server (KELOLA_SERVER, KELOLA_TOKEN).
export function cli(server, binary, args, input) {
  return execFileSync(binary, args, {
    env: { PATH: process.env.PATH, HOME: server.root, KELOLA_SERVER: server.url, KELOLA_TOKEN: server.token },
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
