/**
 * A server stream (`operations.watch`, `communications.watch`): iterate it
 * with `for await`; `abort()` (or breaking out of the loop) closes it.
 * It can be iterated once.
 */
export class Stream<T> implements AsyncIterable<T> {
  readonly controller: AbortController;
  readonly #iterate: () => AsyncGenerator<T, void, undefined>;
  #used = false;

  constructor(iterate: () => AsyncGenerator<T, void, undefined>, controller: AbortController) {
    this.#iterate = iterate;
    this.controller = controller;
  }

  abort(): void {
    this.controller.abort();
  }

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    if (this.#used) throw new Error("A Stream can be iterated only once.");
    this.#used = true;
    return this.#iterate();
  }
}
