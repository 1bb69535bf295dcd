// The dashboard's overview page: first-render time against a server holding
// 1,000 hosts, 10,000 runs and 100,000 events (issue #12: under 1 s).
//
//   node bench/dashboard_overview.mjs --kelola build/release/kelola [--runs 10000] [--hosts 1000] [--events 100000] [--repeat 5]
//
// Loads a fresh `kelola server` (free loopback port, temp data dir) through
// its public API: Hosts by PUT, runs by signed GitHub push webhooks (with
// runs.max_concurrent 0, so they stay queued and nothing is checked out),
// then PUTs of the hosts until the event log holds the wanted count. Then
// headless Chromium (playwright-core from web/node_modules) opens / with the
// token in sessionStorage, and the time from navigation start until every
// overview panel shows its data is taken; the median of --repeat loads (each
// a fresh browser context, so no cache) is printed with the API's own
// latencies for the overview's requests.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..', 'web');
const { startServer, cli } = await import(join(web, 'e2e', 'server.mjs'));
const { chromium } = createRequire(join(web, 'package.json'))('playwright-core');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const binary = args.kelola ?? join(here, '..', 'build', 'release', 'kelola');
const HOSTS = Number(args.hosts ?? 1000);
const RUNS = Number(args.runs ?? 10000);
const EVENTS = Number(args.events ?? 100000);
const REPEAT = Number(args.repeat ?? 5);
const SECRET = 'bench-hook-secret';

// Runs `fn(i)` for i in [0, n) with `width` requests in flight.
async function pool(n, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const server = await startServer({ binary, env: { KELOLA_RUNS_MAX_CONCURRENT: '0' } });
const auth = { Authorization: `Bearer ${server.token}` };
try {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'kelola-bench-git-'));
  cli(
    server,
    binary,
    ['apply', '-f', '-'],
    `kind: Secret\nmetadata: {name: app-hook}\nspec: {type: webhook-secret, value: "${SECRET}"}\n---\n` +
      `kind: Pipeline\nmetadata: {name: app}\nspec:\n  forge: github\n  repository: acme/app\n  webhookSecret: app-hook\n  branches: [main]\n  cloneUrl: file://${work}/none.git\n`,
  );
  await pool(HOSTS, 16, async (i) => {
    const r = await fetch(`${server.url}/v1/hosts/web-${i}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'Host', metadata: { name: `web-${i}`, labels: { env: 'bench' } }, spec: { address: '127.0.0.1' } }),
    });
    if (r.status >= 300) throw new Error(`PUT host: ${r.status} ${await r.text()}`);
  });
  const tHosts = Date.now();
  await pool(RUNS, 16, async (i) => {
    const sha = createHmac('sha1', 'x').update(String(i)).digest('hex');
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: sha,
      created: false,
      deleted: false,
      repository: { full_name: 'acme/app', name: 'app', clone_url: `file://${work}/none.git` },
      pusher: { name: 'bench' },
      sender: { login: 'bench' },
      head_commit: { id: sha, message: `commit ${i}` },
      commits: [],
    });
    const r = await fetch(`${server.url}/v1/hooks/github`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': `bench-${i}`,
        'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'),
      },
      body,
    });
    if (r.status !== 202) throw new Error(`webhook: ${r.status} ${await r.text()}`);
  });
  // The inbox consumer turns deliveries into runs in the background.
  let runs = 0;
  for (let waited = 0; waited < 600; waited++) {
    const page = await (await fetch(`${server.url}/v1/runs?limit=1`, { headers: auth })).json();
    const newest = page.items?.[0];
    runs = newest ? Number(newest.queuePosition) : 0;
    if (runs >= RUNS) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const tRuns = Date.now();
  const last = async () => (await (await fetch(`${server.url}/v1/events?limit=1`, { headers: auth })).json()).lastEventId;
  let events = await last();
  while (events < EVENTS) {
    const need = Math.ceil((EVENTS - events) / 2); // each PUT writes resource.updated + audit.request
    await pool(need, 16, async (i) => {
      const h = i % HOSTS;
      await fetch(`${server.url}/v1/hosts/web-${h}`, {
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'Host', metadata: { name: `web-${h}`, labels: { env: 'bench', rev: String(i) } }, spec: { address: '127.0.0.1' } }),
      }).then((r) => r.arrayBuffer());
    });
    events = await last();
  }
  const tEvents = Date.now();
  console.log(`loaded: ${HOSTS} hosts (${(tHosts - t0) / 1000} s), ${runs} runs (${(tRuns - tHosts) / 1000} s), ${events} events (${(tEvents - tRuns) / 1000} s)`);

  // The API calls the overview makes, timed alone.
  const timed = async (path) => {
    const s = performance.now();
    const r = await fetch(server.url + path, { headers: auth });
    const body = await r.arrayBuffer();
    return `${path} ${r.status} ${(performance.now() - s).toFixed(1)} ms ${(body.byteLength / 1024).toFixed(0)} KiB`;
  };
  for (const p of ['/v1/hosts?limit=1000', '/v1/server-groups?limit=1000', '/v1/runs?status=running&limit=20', '/v1/runs?status=queued&limit=20', '/v1/alerts?state=firing', '/v1/events?limit=1', `/v1/events?after=${events - 15}&limit=15`, '/v1/runs?limit=100']) {
    console.log('api: ' + (await timed(p)));
  }

  const browser = await chromium.launch({ executablePath: process.env.KELOLA_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem('kelola.token', t), server.token);
    const page = await context.newPage();
    await page.goto(server.url + '/');
    const ms = await page.waitForFunction(
      (hosts) => {
        const ready = document.querySelector('[data-testid="fleet-ready"]')?.textContent ?? '';
        const runs = document.querySelectorAll('[data-testid="running-runs"] li').length;
        const events = document.querySelectorAll('ul.events li').length;
        const alerts = document.body.innerText.includes('No firing alerts.');
        return ready.includes(`/ ${hosts} hosts`) && runs > 0 && events > 0 && alerts ? performance.now() : false;
      },
      HOSTS,
      { timeout: 60_000, polling: 'raf' },
    );
    times.push(await ms.jsonValue());
    if (i === 0) await page.screenshot({ path: join(tmpdir(), 'kelola-bench-overview.png') });
    await context.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`overview first render (navigation start → every panel filled), ${REPEAT} cold loads: ` + `median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0].model}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; binary ${binary}`);
} finally {
  await server.stop();
  server.cleanup();
}
