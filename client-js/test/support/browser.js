// Debian's Chromium, headless, through playwright-core (no browser download),
// and a look at the pixels of a screenshot.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { Server } from './server.js';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const screenshotDir = process.env.SCREENSHOT_DIR ?? join(here, '../../../build/screenshots');
mkdirSync(screenshotDir, { recursive: true });

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'], timeout: 30000 });
}

/** A real server and Chromium for a test file: started before its tests (`ready` gets
 * them), ended after them. */
export function serverAndBrowser(ready) {
  let server;
  let browser;
  before(async () => {
    server = await new Server().start();
    browser = await launch();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
  });
}

/**
 * A page that records console errors and uncaught exceptions (a CSP violation
 * shows up there too).
 */
export async function openPage(browser, url, { width = 1280, height = 800, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, bypassCSP });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, context, errors };
}

/** Saves a screenshot under the build dir and returns its PNG bytes. */
export async function shoot(target, name) {
  return target.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/**
 * A screenshot of the whole pixels inside `locator`'s box only: a box at a fractional
 * offset would bring in a blended row of what is above and below it.
 */
export async function shootInside(page, locator, name) {
  const box = await locator.boundingBox();
  const x = Math.ceil(box.x);
  const y = Math.ceil(box.y);
  const clip = { x, y, width: Math.floor(box.x + box.width) - x, height: Math.floor(box.y + box.height) - y };
  return page.screenshot({ path: join(screenshotDir, `${name}.png`), clip });
}

/**
 * The share of a PNG's pixels within `tolerance` of the colour [r, g, b],
 * decoded by the browser itself (a blank page, off the dashboard's origin).
 */
export async function colourShare(browser, png, [r, g, b], tolerance = 24) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ({ base64, r, g, b, tolerance }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d');
        ctx.drawImage(bitmap, 0, 0);
        const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
        let hits = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - r) <= tolerance && Math.abs(data[i + 1] - g) <= tolerance && Math.abs(data[i + 2] - b) <= tolerance) hits++;
        }
        return hits / (data.length / 4);
      },
      { base64: Buffer.from(png).toString('base64'), r, g, b, tolerance },
    );
  } finally {
    await page.close();
  }
}
