/** A fixed number of slots for work that holds memory, so parallel requests cannot add up without bound. */

/** At most `size` holders at once; the others wait their turn, first come first served. */
export class RequestSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`slots must be a positive integer, not ${size}`);
    this.free = size;
  }

  /** Resolves once a slot is held; call the returned function (once or more) to give it back. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
