/**
 * The Loopix mixing queue (DESIGN §4): each packet waits the delay its sender
 * chose (drawn from Exp(μ) and carried in the hop payload), then leaves. With
 * exponential delays the output order is independent of the input order,
 * which is what mixes the packets. One timer serves the whole queue (a binary
 * min-heap on due time; ties leave in arrival order).
 */
import { InvalidInputError } from "../errors.js";

type Entry<T> = { due: number; seq: number; item: T };

export type DelayQueueParameters<T> = {
  /** Called with each item when its delay has passed. Errors are the caller's to handle inside. */
  onDue: (item: T) => void;
  /** Most items waiting at once; `push` refuses beyond it. */
  capacity: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
};

/**
 * Timer-driven min-heap of items released at their due time.
 *
 * @example
 * const queue = new DelayQueue<Uint8Array>({ onDue: forward, capacity: 10_000 });
 * queue.push(packet, 120);
 */
export class DelayQueue<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #onDue: (item: T) => void;
  readonly #capacity: number;
  readonly #now: () => number;
  #seq = 0;
  #timer: NodeJS.Timeout | null = null;
  #timerDue = Infinity;

  constructor({ onDue, capacity, now = () => performance.now() }: DelayQueueParameters<T>) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new InvalidInputError("capacity", "must be a positive integer");
    this.#onDue = onDue;
    this.#capacity = capacity;
    this.#now = now;
  }

  /** Items waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /**
   * Schedules `item` to leave after `delayMs`.
   *
   * @param item what to release
   * @param delayMs non-negative delay in milliseconds
   * @returns false (and drops nothing) when the queue is full
   */
  push(item: T, delayMs: number): boolean {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new InvalidInputError("delayMs", "must be a finite number ≥ 0");
    if (this.#heap.length >= this.#capacity) return false;
    const entry = { due: this.#now() + delayMs, seq: this.#seq++, item };
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    this.#arm();
    return true;
  }

  /**
   * Removes and returns every waiting item in due order, cancelling the timer
   * (used by `stop` to drain: the items are sent at once).
   */
  takeAll(): T[] {
    this.#disarm();
    const out: T[] = [];
    while (this.#heap.length > 0) out.push(this.#pop().item);
    return out;
  }

  #release(): void {
    this.#timer = null;
    this.#timerDue = Infinity;
    const now = this.#now();
    while (this.#heap.length > 0 && this.#heap[0]!.due <= now) this.#onDue(this.#pop().item);
    this.#arm();
  }

  #arm(): void {
    const head = this.#heap[0];
    if (!head || head.due >= this.#timerDue) return;
    this.#disarm();
    this.#timerDue = head.due;
    this.#timer = setTimeout(() => this.#release(), Math.max(0, head.due - this.#now()));
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDue = Infinity;
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #pop(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#down(0);
    }
    return top;
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}
