"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.judgePairs = judgePairs;
exports.scoreResponses = scoreResponses;
exports.flipRate = flipRate;
/** Stage: AI feedback. Pairwise labels (debiased by asking in both orders) and direct scores. */
const debias_1 = require("../judges/debias");
/**
 * Pairs samples 0–1, 2–3, … of each prompt (an odd last sample is left out) and labels each pair
 * in both orders. Rows are sorted by id, so the output does not depend on the input order.
 */
function judgePairs(judge, responses) {
    const byPrompt = new Map();
    for (const r of responses) {
        const list = byPrompt.get(r.promptId) ?? [];
        list.push(r);
        byPrompt.set(r.promptId, list);
    }
    const rows = [];
    for (const list of byPrompt.values()) {
        list.sort((x, y) => x.sample - y.sample);
        for (let i = 0; i + 1 < list.length; i += 2) {
            const a = list[i];
            const b = list[i + 1];
            const j = (0, debias_1.judgeBothOrders)(judge, a.prompt, a.response, b.response);
            rows.push({
                id: `${a.id}|${b.id}`,
                promptId: a.promptId,
                prompt: a.prompt,
                aId: a.id,
                bId: b.id,
                a: a.response,
                b: b.response,
                pAB: j.pAB,
                pBA: j.pBA,
                p: j.p,
                flipped: j.flipped,
            });
        }
    }
    return rows.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
/** The judge's expected 1–10 score of every response (direct RLAIF), in input order. */
function scoreResponses(judge, responses) {
    return responses.map((r) => ({
        id: r.id,
        promptId: r.promptId,
        prompt: r.prompt,
        response: r.response,
        score: judge.score(r.prompt, r.response),
    }));
}
/** The share of pairs whose preferred response changed when the order was swapped. */
function flipRate(rows) {
    if (rows.length === 0)
        throw new Error('flipRate: no preference rows');
    return rows.filter((r) => r.flipped).length / rows.length;
}
//# sourceMappingURL=judge.js.map