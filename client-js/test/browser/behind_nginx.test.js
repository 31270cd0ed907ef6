// The dashboard and a live stream in Debian's Chromium through real nginx
// (examples/nginx/nginx.conf: TLS, HTTP/2, no buffering), with taskstream
// trusting nginx for the client's address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Server } from '../support/server.js';
import { launch } from '../support/browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const exampleConf = join(here, '../../../examples/nginx/nginx.conf');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let server, work, nginx, port, browser;

before(async () => {
  server = await new Server(['--trusted-proxies', '127.0.0.1/32']).start();
  work = mkdtempSync(join(tmpdir(), 'taskstream-nginx-'));
  mkdirSync(join(work, 'tmp'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')], { stdio: 'ignore' });
  port = await freePort();
  // The example's config as it is, pointed at this test's ports.
  const conf = readFileSync(exampleConf, 'utf8')
    .replace('server 127.0.0.1:8090;', `server 127.0.0.1:${server.port};`)
    .replace('listen 127.0.0.1:8443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`);
  assert.match(conf, new RegExp(`127\\.0\\.0\\.1:${port} ssl http2`));
  writeFileSync(join(work, 'nginx.conf'), conf);
  // In the foreground (daemon off), so that this test owns its pid.
  nginx = spawn('nginx', ['-p', work, '-c', join(work, 'nginx.conf'), '-e', join(work, 'error.log'), '-g', 'daemon off;'],
    { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      execFileSync('curl', ['-skf', '--max-time', '2', `https://127.0.0.1:${port}/readyz`], { stdio: 'ignore' });
      break;
    } catch {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(work, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once('exit', r));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await server?.stop();
  if (work && existsSync(work)) rmSync(work, { recursive: true, force: true });
});

test('through nginx over HTTP/2 and TLS: the dashboard loads and a task streams live to its end', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(`https://127.0.0.1:${port}/`);
  assert.equal(response.status(), 200);
  const protocol = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
  assert.equal(protocol, 'h2');
  await page.waitForSelector('#kind option', { state: 'attached' });  // the kinds, from GET /v1/kinds through the proxy

  // A task and its EventSource, in the page: progress must arrive while the task runs.
  const seen = await page.evaluate(async () => {
    const res = await fetch('/v1/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'demo.countdown', params: { steps: 5, interval_ms: 200 } }),
    });
    const task = await res.json();
    return await new Promise((resolve, reject) => {
      const events = [];
      const source = new EventSource(`/v1/tasks/${task.id}/events`);
      const timer = setTimeout(() => reject(new Error(`no end; saw ${JSON.stringify(events)}`)), 15000);
      const record = (type) => (e) => {
        const data = JSON.parse(e.data);
        events.push({ type, at: performance.now(), state: data.state, percent: data.percent });
        if (type === 'state' && ['succeeded', 'failed', 'cancelled'].includes(data.state)) {
          clearTimeout(timer);
          source.close();
          resolve(events);
        }
      };
      source.addEventListener('state', record('state'));
      source.addEventListener('progress', record('progress'));
    });
  });
  const progress = seen.filter((e) => e.type === 'progress');
  assert.equal(progress.length, 5);
  assert.equal(seen.at(-1).state, 'succeeded');
  // Live, not buffered until the end: the ticks arrived spread over the task's ~1 s.
  assert.ok(progress.at(-1).at - progress[0].at > 500, `ticks arrived together: ${JSON.stringify(progress)}`);
  assert.deepEqual(errors, []);
  await context.close();
});
