/** Caps how many publishes run at once (per network, and per worker). */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private used = 0;

  constructor(private readonly limit: number) {}

  get available(): number {
    return this.limit - this.used;
  }

  async acquire(): Promise<void> {
    if (this.used < this.limit) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
