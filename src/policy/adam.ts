/** Adam (Kingma & Ba 2015) over float32 parameter groups updated in place. */

// Bound at module scope: a global `Math` lookup per element is slow inside a VM-sandboxed runner.
const { sqrt } = Math;

/** Adam's hyperparameters. */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam's moment estimates and step count: what a checkpoint needs to resume training exactly. */
export interface AdamState {
  step: number;
  m: Float64Array[];
  v: Float64Array[];
}

/** Adam state for a fixed list of parameter arrays; `step` takes gradients of the LOSS (it descends). */
export class Adam {
  lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly groups: Float32Array[],
    opts: AdamOptions,
  ) {
    if (!(opts.lr > 0)) throw new Error(`Adam: lr must be > 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.m = groups.map((g) => new Float64Array(g.length));
    this.v = groups.map((g) => new Float64Array(g.length));
  }

  /** How many steps have been taken. */
  get steps(): number {
    return this.t;
  }

  /** A copy of the optimizer state, for a checkpoint. */
  snapshot(): AdamState {
    return { step: this.t, m: this.m.map((a) => a.slice()), v: this.v.map((a) => a.slice()) };
  }

  /** Restores a state taken by `snapshot` from an optimizer over parameters of the same shapes. */
  restore(state: AdamState): void {
    const fits = (arrays: Float64Array[]) =>
      arrays.length === this.groups.length && arrays.every((a, i) => a.length === this.groups[i]?.length);
    if (!Number.isInteger(state.step) || state.step < 0 || !fits(state.m) || !fits(state.v)) {
      throw new Error("Adam.restore: the state does not match this optimizer's parameter groups");
    }
    this.t = state.step;
    state.m.forEach((a, i) => (this.m[i] as Float64Array).set(a));
    state.v.forEach((a, i) => (this.v[i] as Float64Array).set(a));
  }

  /** One update θ ← θ − lr · m̂ / (√v̂ + ε) from the loss gradients, one array per group. */
  step(grads: ArrayLike<number>[]): void {
    if (grads.length !== this.groups.length) {
      throw new Error(
        `Adam.step: got ${grads.length} gradient arrays for ${this.groups.length} parameter groups`,
      );
    }
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    const { beta1, beta2, eps, lr } = this;
    this.groups.forEach((p, gi) => {
      const g = grads[gi] as ArrayLike<number>;
      if (g.length !== p.length)
        throw new Error(`Adam.step: group ${gi} has ${p.length} parameters but ${g.length} gradients`);
      const m = this.m[gi] as Float64Array;
      const v = this.v[gi] as Float64Array;
      for (let i = 0; i < p.length; i++) {
        const gi2 = g[i] as number;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi2;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi2 * gi2;
        m[i] = mi;
        v[i] = vi;
        p[i] = (p[i] as number) - (lr * (mi / c1)) / (sqrt(vi / c2) + eps);
      }
    });
  }
}
