/**
 * Capped exponential backoff with full jitter: the n-th retry waits a random
 * time in [0, min(cap, base * 2^n)), so that clients a restart dropped together
 * do not come back together.
 */
export class Backoff {
  /** @param {{ baseMs?: number, maxMs?: number, random?: () => number }} [options] */
  constructor({ baseMs = 500, maxMs = 30000, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempt = 0;
  }

  /** The wait before the next retry, in ms. */
  next() {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * ceiling);
  }

  reset() {
    this.attempt = 0;
  }
}
