import { APIPromise, type WithResponse } from "./api-promise.js";

/** Fetches the page after the given token. */
export type PageFetcher<Item, Body extends { nextPageToken: string }> = (pageToken: string) => PagePromise<Item, Body>;

/**
 * One page of a list. `data` holds this page's items, `body` the whole
 * response (e.g. `ListExecutivesResponse`). Iterating a page walks its items
 * and every later page's.
 */
export class Page<Item, Body extends { nextPageToken: string }> implements AsyncIterable<Item> {
  readonly data: Item[];
  readonly body: Body;
  readonly #fetchNext: PageFetcher<Item, Body>;

  constructor(body: Body, data: Item[], fetchNext: PageFetcher<Item, Body>) {
    this.body = body;
    this.data = data;
    this.#fetchNext = fetchNext;
  }

  get nextPageToken(): string {
    return this.body.nextPageToken;
  }

  hasNextPage(): boolean {
    return this.body.nextPageToken !== "";
  }

  /** The next page; throws when there is none (check `hasNextPage()` first). */
  getNextPage(): PagePromise<Item, Body> {
    if (!this.hasNextPage()) throw new Error("No next page: check page.hasNextPage() before calling getNextPage().");
    return this.#fetchNext(this.body.nextPageToken);
  }

  /** This page, then each following page. */
  async *iterPages(): AsyncGenerator<Page<Item, Body>, void, undefined> {
    let page: Page<Item, Body> = this;
    yield page;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      yield page;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

/**
 * What `list` methods return: await it for the first page, or `for await`
 * over it for every item of every page.
 */
export class PagePromise<Item, Body extends { nextPageToken: string }>
  extends APIPromise<Page<Item, Body>>
  implements AsyncIterable<Item>
{
  constructor(responsePromise: Promise<WithResponse<Page<Item, Body>>>) {
    super(responsePromise);
  }

  async *iterPages(): AsyncGenerator<Page<Item, Body>, void, undefined> {
    const first = await this;
    yield* first.iterPages();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    const first = await this;
    yield* first;
  }
}
