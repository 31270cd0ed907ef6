// What `make run` offers: every demo and example kind started from its generated
// form, and watched live in the table to its end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from '../support/server.js';
import { launch, openPage, shoot } from '../support/browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let server;
let browser;
let scratch;
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'taskstream-kinds-'));
  server = await new Server(['--config', join(root, 'examples/taskstream.toml')]).start();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

// Values for the fields that have no default; the rest keep the form's defaults.
const VALUES = {
  'demo.countdown': { steps: '3', interval_ms: '50' },
  'demo.flaky': { failures: '1' },
  'files.archive': { dir: join(root, 'examples/curl'), output: null },
  'files.checksums': { files: `${join(root, 'README.md')}\n${join(root, 'Makefile')}` },
};
const ENDS = { 'demo.fail': 'failed' };

test('every kind of `make run` starts from its form and is watched to its end', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.locator('#kind option').first().waitFor({ state: 'attached' });
  const kinds = await page.$$eval('#kind option', (options) => options.map((o) => o.value));
  assert.deepEqual(kinds, ['demo.countdown', 'demo.fail', 'demo.flaky', 'demo.noop', 'demo.noop_metered', 'files.archive', 'files.checksums']);
  for (const kind of kinds) {
    await page.selectOption('#kind', kind);
    for (const [name, value] of Object.entries(VALUES[kind] ?? {})) {
      await page.fill(`#param-${name}`, value ?? join(scratch, `${kind}.tar.gz`));
    }
    await page.click('#start-button');
    const started = page.locator('#form-result button');
    await started.waitFor();
    const id = await started.textContent();
    const end = ENDS[kind] ?? 'succeeded';
    await page.waitForSelector(`tr[data-id="${id}"][data-state="${end}"]`, { timeout: 30000 });
    await page.locator('#form-result').evaluate((node) => node.replaceChildren());
  }
  assert.ok(existsSync(join(scratch, 'files.archive.tar.gz')), 'the archive was written');
  assert.equal(await page.locator('#task-rows tr').count(), kinds.length);
  await shoot(page, 'every-kind');
  assert.deepEqual(errors, []);
  await context.close();
});
