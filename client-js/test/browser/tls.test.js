// The dashboard and EventSource over HTTPS (--tls-cert/--tls-key) in real
// headless Chromium. The certificate is made by this run's own CA; Chromium
// accepts exactly that key (its SPKI pin), nothing else that is untrusted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Server } from '../support/server.js';

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA and a certificate for 127.0.0.1 it signed; the leaf's SPKI hash for Chromium's pin. */
function makeCertificate(dir) {
  const f = (name) => join(dir, name);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'),
    '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=taskstream browser test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  writeFileSync(f('leaf.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'),
    '-out', f('leaf.csr'), '-subj', '/CN=127.0.0.1');
  openssl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('leaf.pem'), '-days', '2', '-extfile', f('leaf.ext'));
  const spki = openssl('x509', '-in', f('leaf.pem'), '-noout', '-pubkey');
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: spki });
  const hash = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
  return { cert: f('leaf.pem'), key: f('leaf.key'), spki: hash };
}

let dir;
let server;
let browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskstream-tls-js-'));
  const { cert, key, spki } = makeCertificate(dir);
  server = await new Server(['--tls-cert', cert, '--tls-key', key]).start();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${spki}`],
    timeout: 30000,
  });
});
after(async () => {
  await browser?.close();
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the dashboard over HTTPS starts a task and follows it live to the end', async () => {
  assert.match(server.url, /^https:\/\//);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(`${server.url}/`);
  assert.equal(response.status(), 200);
  const security = await response.securityDetails();
  assert.match(security?.protocol ?? '', /^TLS 1\.[23]$/, 'the page came over TLS 1.2 or 1.3');
  await page.selectOption('#kind', 'demo.countdown');
  await page.fill('#param-steps', '4');
  await page.fill('#param-interval_ms', '40');
  await page.click('#start-button');
  const started = page.locator('#form-result button');
  await started.waitFor();
  const id = await started.textContent();
  await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`);
  await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an EventSource over HTTPS receives every event of a task and its end', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  const seen = await page.evaluate(async () => {
    const created = await fetch('/v1/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'demo.countdown', params: { steps: 3, interval_ms: 20 } }),
    }).then((r) => r.json());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no terminal state in 15 s')), 15000);
      const source = new EventSource(`/v1/tasks/${created.id}/events`);
      const events = [];
      const record = (e) => {
        events.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) });
        if (e.type === 'state' && ['succeeded', 'failed', 'cancelled'].includes(JSON.parse(e.data).state)) {
          clearTimeout(timer);
          source.close();
          resolve(events);
        }
      };
      for (const type of ['state', 'progress', 'log']) source.addEventListener(type, record);
    });
  });
  assert.equal(seen.filter((e) => e.type === 'progress').length, 3);
  assert.equal(seen.at(-1).data.state, 'succeeded');
  const ids = seen.map((e) => BigInt(e.id));
  assert.ok(ids.every((v, i) => i === 0 || v > ids[i - 1]), 'ids rise');
  await context.close();
});
