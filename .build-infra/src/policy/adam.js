"use strict";
/** Adam (Kingma & Ba 2015) over float32 parameter groups updated in place. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.Adam = void 0;
/** Adam state for a fixed list of parameter arrays; `step` takes gradients of the LOSS (it descends). */
class Adam {
    groups;
    lr;
    beta1;
    beta2;
    eps;
    m;
    v;
    t = 0;
    constructor(groups, opts) {
        this.groups = groups;
        if (!(opts.lr > 0))
            throw new Error(`Adam: lr must be > 0, got ${opts.lr}`);
        this.lr = opts.lr;
        this.beta1 = opts.beta1 ?? 0.9;
        this.beta2 = opts.beta2 ?? 0.999;
        this.eps = opts.eps ?? 1e-8;
        this.m = groups.map((g) => new Float64Array(g.length));
        this.v = groups.map((g) => new Float64Array(g.length));
    }
    /** How many steps have been taken. */
    get steps() {
        return this.t;
    }
    /** One update θ ← θ − lr · m̂ / (√v̂ + ε) from the loss gradients, one array per group. */
    step(grads) {
        if (grads.length !== this.groups.length) {
            throw new Error(`Adam.step: got ${grads.length} gradient arrays for ${this.groups.length} parameter groups`);
        }
        this.t++;
        const c1 = 1 - this.beta1 ** this.t;
        const c2 = 1 - this.beta2 ** this.t;
        const { beta1, beta2, eps, lr } = this;
        this.groups.forEach((p, gi) => {
            const g = grads[gi];
            if (g.length !== p.length)
                throw new Error(`Adam.step: group ${gi} has ${p.length} parameters but ${g.length} gradients`);
            const m = this.m[gi];
            const v = this.v[gi];
            for (let i = 0; i < p.length; i++) {
                const gi2 = g[i];
                const mi = beta1 * m[i] + (1 - beta1) * gi2;
                const vi = beta2 * v[i] + (1 - beta2) * gi2 * gi2;
                m[i] = mi;
                v[i] = vi;
                p[i] = p[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
            }
        });
    }
}
exports.Adam = Adam;
//# sourceMappingURL=adam.js.map