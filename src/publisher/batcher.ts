/**
 * Gathers items for a short moment and hands them to one function as a batch: one SQL statement
 * for many targets instead of one each, which is what lets one PostgreSQL settle thousands of
 * publishes a second. Each caller still gets its own result.
 */
export class Batcher<In, Out> {
  private pending: { item: In; resolve: (v: Out) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly options: { maxBatch: number; maxWaitMs: number },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Resolves when nothing is pending or running. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.running > 0) {
      this.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.options.maxBatch);
    this.running++;
    this.run(batch.map((b) => b.item))
      .then(
        (results) => {
          for (const [i, b] of batch.entries()) b.resolve(results[i]!);
        },
        (error) => {
          for (const b of batch) b.reject(error);
        },
      )
      .finally(() => {
        this.running--;
      });
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), 0);
  }
}
