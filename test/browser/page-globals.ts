/**
 * The few browser globals that code run inside the page (`page.evaluate`) uses, typed for the
 * server's TypeScript program, which has no DOM library. Use as
 * `const w = globalThis as unknown as PageGlobals` inside the evaluated function.
 */
export interface PageElement {
  tagName: string;
  className: string;
  parentElement: PageElement | null;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): { right: number };
}

export interface PageGlobals {
  innerWidth: number;
  document: {
    documentElement: { scrollWidth: number };
    querySelector(selector: string): object | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  requestAnimationFrame(callback: () => void): number;
  addEventListener(
    type: 'pointermove',
    listener: (event: { timeStamp: number }) => void,
    options?: { capture: boolean },
  ): void;
  MutationObserver: new (
    callback: () => void,
  ) => { observe(target: object, options: Record<string, unknown>): void };
  journeyMarker?: string;
  [key: `__${string}`]: unknown;
}
