/** Adam (Kingma & Ba 2015) over float32 parameter groups updated in place. */
/** Adam's hyperparameters. */
export interface AdamOptions {
    lr: number;
    beta1?: number;
    beta2?: number;
    eps?: number;
}
/** Adam state for a fixed list of parameter arrays; `step` takes gradients of the LOSS (it descends). */
export declare class Adam {
    private readonly groups;
    lr: number;
    private readonly beta1;
    private readonly beta2;
    private readonly eps;
    private readonly m;
    private readonly v;
    private t;
    constructor(groups: Float32Array[], opts: AdamOptions);
    /** How many steps have been taken. */
    get steps(): number;
    /** One update θ ← θ − lr · m̂ / (√v̂ + ε) from the loss gradients, one array per group. */
    step(grads: ArrayLike<number>[]): void;
}
