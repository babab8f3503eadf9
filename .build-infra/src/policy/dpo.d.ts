import type { PolicyGrad, PolicyParams, PromptContext } from '../models/policy-params';
/** One preference pair in model form, with the reference log-probs computed once. */
export interface DpoPair {
    ctx: PromptContext;
    a: number[];
    b: number[];
    q: number;
    refA: number;
    refB: number;
}
/** The value of one pair: its loss and the implicit reward margin βΔ. */
export interface DpoPairValue {
    loss: number;
    margin: number;
}
/** Loss of one pair; when `grad` is given adds `scale · ∇L` to it. */
export declare function dpoPairLoss(p: PolicyParams, pair: DpoPair, beta: number, grad?: PolicyGrad, scale?: number): DpoPairValue;
/** Mean loss over pairs; when `grad` is given adds the gradient of that mean to it. */
export declare function dpoLoss(p: PolicyParams, pairs: DpoPair[], beta: number, grad?: PolicyGrad): number;
