// The real taskstream binary on a free loopback port, with its own data dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const binary = process.env.TASKSTREAM_BINARY ?? join(here, '../../../build/taskstream');

/** Resolves when `predicate` holds for the text seen so far; rejects after `ms`. */
function waitForText(stream, predicate, ms, what) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}; saw:\n${text}`));
    }, ms);
    const onData = (chunk) => {
      text += chunk;
      const found = predicate(text);
      if (found) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(found);
      }
    };
    stream.on('data', onData);
  });
}

/** Kinds with start rates, for the tests of rate limits (a [[command]] each, running `true`). */
export const RATED_KINDS = `
[[command]]
name = "rated.hourly"
argv = ["true"]
rate = "1/h"
`;

export class Server {
  /** A server with `toml` as its config file (in its data dir). @param {string} toml @param {string[]} [args] */
  static withConfig(toml, args = []) {
    const server = new Server(args);
    const file = join(server.dataDir, 'taskstream.toml');
    writeFileSync(file, toml);
    server.args.push('--config', file);
    return server;
  }

  /** @param {string[]} [args] extra flags for `serve` */
  constructor(args = []) {
    this.args = args;
    this.scheme = args.includes('--tls-cert') ? 'https' : 'http';
    this.dataDir = mkdtempSync(join(tmpdir(), 'taskstream-js-'));
    this.port = 0;
    this.child = null;
    this.log = '';
  }

  get url() {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** Starts it (on the port it had before, when restarted) and waits until it listens. */
  async start() {
    const child = spawn(binary, ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, '--demo', ...this.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      this.log += chunk;
    });
    const exited = new Promise((_, reject) =>
      child.once('exit', (code) => reject(new Error(`taskstream exited (${code}) before listening:\n${this.log}`))),
    );
    const port = await Promise.race([
      waitForText(child.stderr, (t) => t.match(/listening on https?:\/\/127\.0\.0\.1:(\d+)/)?.[1], 20000, 'the listening line'),
      exited,
    ]);
    exited.catch(() => {});
    this.port = Number(port);
    return this;
  }

  /** Ends it with `signal` and waits for the exit (by pid; SIGKILL after 20 s). */
  async stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async dispose() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
