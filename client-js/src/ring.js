/**
 * A fixed-size buffer of the newest items: adding past its size drops the
 * oldest, in constant time (an Array's shift() moves every item, per event).
 * @template T
 */
export class Ring {
  /** @param {number} size */
  constructor(size) {
    /** @type {(T | undefined)[]} */
    this.items = new Array(size);
    this.start = 0;
    this.count = 0;
  }

  /** Adds `item`; returns the one it pushed out, if any. @param {T} item @returns {T | undefined} */
  push(item) {
    const size = this.items.length;
    if (this.count < size) {
      this.items[(this.start + this.count++) % size] = item;
      return undefined;
    }
    const dropped = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % size;
    return dropped;
  }

  clear() {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
  }

  /** Oldest first. @returns {Generator<T>} */
  *[Symbol.iterator]() {
    for (let i = 0; i < this.count; i++) yield /** @type {T} */ (this.items[(this.start + i) % this.items.length]);
  }
}
