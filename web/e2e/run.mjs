// End-to-end tests of the dashboard in headless Chromium (Debian's chromium,
// driven by playwright-core) against a real `kelola server`:
//   1. log in with the admin token (and a wrong token is refused);
//   2. a pipeline run appears on the runs page without a reload, and its log
//      lines stream into the run page while it runs;
//   3. ingested lines fire an AlertRule; a silence created in the page mutes
//      the alert, and expiring it works;
//   4. a log query shows the matching lines;
//   5. the server stopping shows the "unreachable" banner.
// Screenshots of every page go to --artifacts DIR.
//
// node e2e/run.mjs --kelola PATH [--artifacts DIR] [--push-example FILE]
// Exit: 0 passed, 1 failed, 77 skipped (no chromium, or npm packages missing).
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cli, startServer, tail, waitFor } from './server.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const binary = args.kelola ?? process.env.KELOLA_BINARY;
const artifacts = args.artifacts ?? join(process.cwd(), 'test-results');
const chromiumPath = process.env.KELOLA_CHROMIUM ?? '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!binary || !existsSync(binary)) {
  console.error('e2e: pass --kelola PATH (or KELOLA_BINARY)');
  process.exit(2);
}
if (!existsSync(chromiumPath)) skip(`${chromiumPath} is not installed (apt-get install chromium; scripts/install-deps does it)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  skip('playwright-core is not installed (npm ci in web/)');
}
mkdirSync(artifacts, { recursive: true });

// Waits until the page shows `text` (a string or a RegExp source). Plain DOM
// text instead of getByText, which trips over this DOM in playwright-core 1.65
// with Chromium 156 ("lastDidNotMatchSelf.contains is not a function").
function seeText(page, text, timeout = 10_000) {
  const isRe = text instanceof RegExp;
  return page.waitForFunction(
    ([t, re]) => (re ? new RegExp(t).test(document.body.innerText) : document.body.innerText.includes(t)),
    [isRe ? text.source : text, isRe],
    { timeout },
  );
}

const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  }
}

// --- a git repository and a GitHub push, as tests/integration/pipeline_run_test.cc makes them
const work = mkdtempSync(join(tmpdir(), 'kelola-dash-git-'));
const gitEnv = {
  PATH: '/usr/bin:/bin',
  HOME: work,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@kelola.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@kelola.invalid',
};
const git = (...a) => execFileSync('git', a, { env: gitEnv, encoding: 'utf8' }).trim();
const bare = join(work, 'app.git');
const checkout = join(work, 'app');
git('init', '-q', '--bare', bare);
git('init', '-q', checkout);
writeFileSync(
  join(checkout, '.kelola.yml'),
  'steps:\n  - name: build\n    host: true\n    commands: [echo dashboard-line-one, sleep 3, echo dashboard-line-two, sleep 3, echo dashboard-line-three]\n',
);
git('-C', checkout, 'add', '-A');
git('-C', checkout, 'commit', '-q', '-m', 'dashboard e2e');
git('-C', checkout, 'push', '-q', bare, 'HEAD:refs/heads/main');
const sha = git('-C', checkout, 'rev-parse', 'HEAD');
const HOOK_SECRET = 'dashboard-e2e-hook-secret';

// The forge's commit status endpoint: answered on loopback and recorded, as the pipeline tests do.
const statuses = [];
const forge = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    statuses.push({ url: req.url, body });
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
});
await new Promise((r) => forge.listen(0, '127.0.0.1', r));

function pushPayload() {
  const examplePath = args['push-example'];
  const base = examplePath && existsSync(examplePath) ? JSON.parse(readFileSync(examplePath, 'utf8')) : { repository: {}, pusher: { name: 't' }, sender: { login: 't' }, head_commit: { message: 'dashboard e2e' }, commits: [] };
  return {
    ...base,
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    repository: { ...base.repository, full_name: 'acme/app', name: 'app', clone_url: `file://${bare}` },
  };
}

const server = await startServer({ binary, env: { KELOLA_RUNS_MAX_CONCURRENT: '1' } });
let browser;
try {
  cli(
    server,
    binary,
    ['apply', '-f', '-'],
    `kind: Secret\nmetadata: {name: app-hook}\nspec: {type: webhook-secret, value: "${HOOK_SECRET}"}\n---\n` +
      `kind: Secret\nmetadata: {name: gh-token}\nspec: {type: token, value: "gh-test-token"}\n---\n` +
      `kind: Pipeline\nmetadata: {name: app}\nspec:\n  forge: github\n  repository: acme/app\n  webhookSecret: app-hook\n  branches: [main]\n` +
      `  cloneUrl: file://${bare}\n  apiUrl: http://127.0.0.1:${forge.address().port}\n  tokenSecret: gh-token\n---\n` +
      `apiVersion: kelola.io/v1\nkind: AlertRule\nmetadata:\n  name: dash-errors\nspec:\n  selector: {index: app}\n  match: "ERROR"\n` +
      `  detector: {type: frequency, bucket: 1s, window: 10s, threshold: 5, timeframe: 3s}\n  severity: critical\n` +
      `  annotations: {summary: "error spike in the dashboard test"}\n`,
  );

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  await step('log in: a wrong token is refused, the admin token opens the overview', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('API token').fill('kl_nothere_wrongsecret');
    await page.getByRole('button', { name: 'Log in' }).click();
    await seeText(page, 'The server refused this token.', 10_000);
    await shot('login-refused');
    await page.getByLabel('API token').fill(server.token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor({ timeout: 10_000 });
    await page.getByTestId('link-state').getByText('live').waitFor({ timeout: 10_000 });
    await seeText(page, 'No firing alerts.', 10_000);
    await shot('overview');
  });

  await step('a pipeline run appears without a reload and its log lines stream', async () => {
    await page.getByRole('link', { name: 'Pipelines' }).click();
    await page.getByRole('heading', { name: 'Pipelines' }).first().waitFor();
    await seeText(page, 'No runs yet.', 10_000);
    const text = JSON.stringify(pushPayload());
    const r = await fetch(server.url + '/v1/hooks/github', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': 'dash-e2e-1',
        'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', HOOK_SECRET).update(text).digest('hex'),
      },
      body: text,
    });
    if (r.status !== 202) throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
    // The row comes from the event stream's reload, not from navigation.
    const row = page.getByTestId('runs').getByRole('link').first();
    await row.waitFor({ timeout: 30_000 });
    await shot('runs');
    await row.click();
    await seeText(page, 'dashboard-line-one', 60_000);
    const sawTwoYet = await page.evaluate(() => document.body.innerText.includes('dashboard-line-two'));
    if (sawTwoYet) throw new Error('line two was already there with line one: the lines did not stream');
    await seeText(page, 'dashboard-line-two', 20_000);
    await shot('run-streaming');
    await seeText(page, 'dashboard-line-three', 20_000);
    await page.locator('.badge', { hasText: 'succeeded' }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL((u) => /\/runs\/.+/.test(u.pathname) && !u.pathname.endsWith('/runs'), { timeout: 10_000 });
    await seeText(page, 'retry of', 10_000);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.badge', { hasText: /cancelled|running|queued/ }).first().waitFor({ timeout: 10_000 });
    await shot('run-retried');
  });

  await step('ingested error lines fire the alert; a silence made in the page mutes it', async () => {
    let bulk = '';
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      bulk += JSON.stringify({ index: {} }) + '\n' + JSON.stringify({ message: `ERROR payment failed order=${i} dashboard-needle`, '@timestamp': new Date(now + i).toISOString() }) + '\n';
    }
    const r = await api(server, 'POST', '/app/_bulk', bulk);
    if (r.status !== 200 || r.json?.errors) throw new Error(`_bulk answered ${r.status}: ${r.text.slice(0, 300)}`);
    // Errors go on while the test looks, so the alert stays firing (the detector's window is 10 s).
    let spike = 0;
    const keepFiring = setInterval(() => {
      let more = '';
      for (let i = 0; i < 8; i++) more += '{"index":{}}\n' + JSON.stringify({ message: `ERROR retry storm ${spike++}` }) + '\n';
      void api(server, 'POST', '/app/_bulk', more).catch(() => {});
    }, 1000);
    try {
    await page.getByRole('link', { name: 'Alerts' }).click();
    const row = page.getByTestId('alerts').locator('tr', { hasText: 'dash-errors' });
    await row.waitFor({ timeout: 30_000 });
    await row.locator('.badge', { hasText: 'firing' }).waitFor({ timeout: 30_000 });
    await shot('alerts-firing');
    await page.getByLabel('Matchers').fill('alertname="dash-errors"');
    await page.getByLabel('Comment').fill('dashboard e2e');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await seeText(page, /Silence .+ created\./, 10_000);
    await row.locator('.badge', { hasText: 'silenced' }).waitFor({ timeout: 20_000 });
    const listed = await api(server, 'GET', '/v1/alerts?silenced=true');
    if (!listed.json?.items?.some((a) => a.labels.alertname === 'dash-errors')) throw new Error('the API does not list the alert as silenced');
    await shot('alerts-silenced');
    const silenceRow = page.getByTestId('silences').locator('tr', { hasText: 'dashboard e2e' });
    await silenceRow.getByRole('button', { name: 'Expire' }).click();
    await silenceRow.locator('.badge', { hasText: 'expired' }).waitFor({ timeout: 10_000 });
    } finally {
      clearInterval(keepFiring);
    }
  });

  await step('a log query shows the matching lines', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByLabel('Text').fill('order=7 ');
    await page.getByRole('button', { name: 'Query' }).click();
    const lineTexts = () => page.$$eval('[data-testid="log-line"]', (els) => els.map((e) => e.textContent ?? ''));
    const heading = (text) => page.waitForFunction((t) => [...document.querySelectorAll('h2')].some((h) => h.textContent === t), text, { timeout: 10_000 });
    await heading('Lines (1)');
    const texts = await lineTexts();
    if (texts.length !== 1 || !texts[0].includes('order=7 dashboard-needle')) throw new Error(`expected exactly the one matching line, saw ${JSON.stringify(texts)}`);
    await page.getByLabel('Text').fill('dashboard-needle');
    await page.getByRole('button', { name: 'Query' }).click();
    await heading('Lines (30)');
    await shot('logs-query');
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByTestId('templates').locator('tr', { hasText: 'payment failed' }).waitFor({ timeout: 10_000 });
    await shot('logs-templates');
  });

  await step('the live tail keeps up with 1,000 lines/s without freezing the page', async () => {
    await page.getByRole('tab', { name: 'Lines' }).click();
    await page.getByLabel('Text').fill('tail-burst');
    await page.getByRole('button', { name: 'Query' }).click();
    await page.waitForFunction(() => [...document.querySelectorAll('h2')].some((h) => h.textContent === 'Lines (0)'), null, { timeout: 10_000 });
    await page.getByLabel('Live tail').check();
    await page.waitForFunction(() => document.querySelector('form[aria-label="log query"] .badge')?.textContent === 'live', null, { timeout: 10_000 });
    // The longest gap between two animation frames while the lines arrive.
    await page.evaluate(() => {
      const w = window;
      w.__maxGap = 0;
      let last = performance.now();
      const tick = (t) => {
        w.__maxGap = Math.max(w.__maxGap, t - last);
        last = t;
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const TOTAL = 5000;
    const started = Date.now();
    const BATCH = 250; // 250 lines every 250 ms: 1,000 lines/s when the server keeps up
    for (let batch = 0; batch < TOTAL / BATCH; batch++) {
      let body = '';
      for (let i = 0; i < BATCH; i++) body += '{"index":{}}\n' + JSON.stringify({ message: `INFO tail-burst ${batch * BATCH + i}` }) + '\n';
      const r = await api(server, 'POST', '/app/_bulk', body);
      if (r.status !== 200) throw new Error(`_bulk: ${r.status}`);
      const due = started + (batch + 1) * BATCH;
      if (Date.now() < due) await new Promise((res) => setTimeout(res, due - Date.now()));
    }
    const sendMs = Date.now() - started;
    await page.waitForFunction((n) => [...document.querySelectorAll('h2')].some((h) => h.textContent === `Lines (${n})`), TOTAL, { timeout: 30_000 });
    const shownMs = Date.now() - started;
    const maxGap = await page.evaluate(() => {
      window.__stop = true;
      return window.__maxGap;
    });
    console.log(`     tail: ${TOTAL} lines sent in ${sendMs} ms (${Math.round((TOTAL * 1000) / sendMs)}/s), all shown after ${shownMs} ms, longest frame gap ${maxGap.toFixed(0)} ms`);
    await shot('logs-live-tail');
    if (maxGap > 1000) throw new Error(`the page froze for ${maxGap.toFixed(0)} ms while tailing`);
    await page.getByLabel('Live tail').uncheck();
  });

  await step('fleet page renders; the simulator plots an uploaded trace against a policy', async () => {
    await page.getByRole('link', { name: 'Fleet' }).click();
    await seeText(page, 'No server groups.', 10_000);
    // A Host created through the API appears without a reload (resource.created → reload).
    const put = await api(server, 'PUT', '/v1/hosts/web-1', { kind: 'Host', metadata: { name: 'web-1', labels: { env: 'e2e' } }, spec: { address: '127.0.0.1' } });
    if (put.status !== 201) throw new Error(`PUT host: ${put.status} ${put.text}`);
    await page.waitForFunction(() => [...document.querySelectorAll('h2')].some((h) => h.textContent === 'Hosts (1)'), null, { timeout: 10_000 });
    await seeText(page, 'web-1', 5_000);
    await shot('fleet');
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Simulate' }).waitFor();
    // A day of load with a two-hour spike, and one target-tracking policy (docs/autoscaling/cpu60.yaml).
    let trace = 'minute,requests\n';
    for (let m = 0; m < 1440; m++) trace += `${m},${m >= 600 && m < 720 ? 3000 : 200}\n`;
    writeFileSync(join(work, 'day.csv'), trace);
    writeFileSync(
      join(work, 'cpu60.yaml'),
      'kind: ScalingPolicy\nmetadata: {name: cpu60}\nspec:\n  group: web\n  minHosts: 2\n  maxHosts: 150\n  targetTracking: {metric: cpu, target: 60}\n  warmupSeconds: 60\n',
    );
    await page.getByLabel('Trace').setInputFiles(join(work, 'day.csv'));
    await page.getByLabel('Policy files').setInputFiles(join(work, 'cpu60.yaml'));
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByTestId('sim-results').locator('tr', { hasText: 'cpu60' }).waitFor({ timeout: 30_000 });
    const rows = await page.$$eval('[data-testid="sim-results"] tbody tr', (trs) => trs.length);
    if (rows !== 2) throw new Error(`expected cpu60 and the HPA baseline, saw ${rows} rows`);
    await shot('simulator');
  });

  await step('keyboard: Tab reaches the navigation links and Enter follows one', async () => {
    await page.goto(server.url + '/logs');
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => document.activeElement?.textContent ?? '');
      if (name === 'Alerts') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor({ timeout: 5_000 });
  });

  await step('the token never appears in a URL or the console', async () => {
    const leaks = [...requested, ...consoleLines].filter((s) => s.includes(server.token) || s.includes(server.token.split('_')[2]));
    if (leaks.length) throw new Error(`token seen in: ${leaks.slice(0, 3).join(' | ')}`);
  });

  await step('a stopped server shows the unreachable banner', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await server.stop();
    await seeText(page, 'The kelola server is unreachable', 20_000);
    await shot('server-down');
  });
} catch (e) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${e.stack ?? e}\nserver log:\n${tail(server.logPath)}`);
} finally {
  await browser?.close();
  await server.stop();
  forge.close();
  if (results.some((r) => !r.ok)) console.log(`server log tail:\n${tail(server.logPath)}`);
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots: ${artifacts}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
