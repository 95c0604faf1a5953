// The recency list of an LRU over numbered slots: who is least and most recently used, and which slots are free.

/**
 * A doubly linked recency list over slots `0..capacity-1` in two typed arrays (lru-cache's layout), with the slots
 * handed out as entries arrive, doubling up to `max`, and freed slots reused first. It knows slots only: the owner keeps
 * its keys and values in arrays of its own indexed by the same slots, grown when {@link take} returns a slot at or past
 * their length. Shared by {@link GrowingLru} and the gate's own decision cache.
 *
 * @example
 * const links = new SlotLinks(3)
 * const a = links.take(); links.add(a)
 * const b = links.take(); links.add(b)
 * links.touch(a) // b is now the least recently used
 * links.oldest === b // true
 */
export class SlotLinks {
  /** Towards the most recent (`#next`) and the least recent (`#prev`) neighbour of each linked slot. */
  #next: Uint32Array;
  #prev: Uint32Array;
  #head = 0;
  #tail = 0;
  /** Slots linked now. */
  #linked = 0;
  /** Slots freed by {@link release}, reused before new ones. */
  #free: number[] = [];
  /** Slots ever handed out. */
  #used = 0;
  readonly #max: number;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${String(max)}`);
    this.#max = max;
    const capacity = Math.min(max, 16);
    this.#next = new Uint32Array(capacity);
    this.#prev = new Uint32Array(capacity);
  }

  /** Slots allocated so far (every slot ever returned is below it); doubles as slots are taken, up to `max`. */
  get capacity(): number {
    return this.#next.length;
  }

  /** The least recently used linked slot (valid while a slot is linked). */
  get oldest(): number {
    return this.#head;
  }

  /** The most recently used linked slot (valid while a slot is linked). */
  get newest(): number {
    return this.#tail;
  }

  /** A slot to fill: a released one, else the next never used (growing the capacity when needed). At most `max`. */
  take(): number {
    const freed = this.#free.pop();
    if (freed !== undefined) return freed;
    const slot = this.#used++;
    if (slot >= this.#next.length) {
      const capacity = Math.min(this.#max, this.#next.length * 2);
      const next = new Uint32Array(capacity);
      const prev = new Uint32Array(capacity);
      next.set(this.#next);
      prev.set(this.#prev);
      this.#next = next;
      this.#prev = prev;
    }
    return slot;
  }

  /** Links a slot that is not linked as the most recent. */
  add(slot: number): void {
    if (this.#linked++ === 0) {
      this.#head = slot;
    } else {
      this.#next[this.#tail] = slot;
      this.#prev[slot] = this.#tail;
    }
    this.#tail = slot;
  }

  /** Makes a linked slot the most recent. */
  touch(slot: number): void {
    if (slot === this.#tail) return;
    this.remove(slot);
    this.add(slot);
  }

  /** Unlinks a linked slot (it stays taken: {@link release} it, or {@link add} it again). */
  remove(slot: number): void {
    this.#linked--;
    if (slot === this.#head) this.#head = this.#next[slot] as number;
    else this.#next[this.#prev[slot] as number] = this.#next[slot] as number;
    if (slot === this.#tail) this.#tail = this.#prev[slot] as number;
    else this.#prev[this.#next[slot] as number] = this.#prev[slot] as number;
  }

  /** Gives back an unlinked slot, to be taken before any new one. */
  release(slot: number): void {
    this.#free.push(slot);
  }

  /** Unlinks and frees every slot (the capacity stays). */
  reset(): void {
    this.#linked = 0;
    this.#free = [];
    this.#used = 0;
  }
}
