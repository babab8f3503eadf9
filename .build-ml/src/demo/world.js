"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FILLER_WORDS = exports.DEMO_TOPICS = void 0;
exports.demoWords = demoWords;
exports.topicOfPrompt = topicOfPrompt;
exports.demoPrompts = demoPrompts;
exports.demoSftCorpus = demoSftCorpus;
/**
 * The demo world: a small closed vocabulary of topics, so the embedded models are tiny, train in
 * seconds on a CPU, and their behaviour can be read and checked. Prompts ask about one topic; a
 * good response uses that topic's words. Everything here is generated from a seed; nothing is
 * canned output.
 */
const rng_1 = require("../util/rng");
exports.DEMO_TOPICS = [
    { name: 'ocean', words: ['wave', 'tide', 'coral', 'salt', 'shell', 'reef'] },
    { name: 'forest', words: ['pine', 'moss', 'fern', 'oak', 'trail', 'owl'] },
    { name: 'city', words: ['street', 'tower', 'traffic', 'bridge', 'subway', 'neon'] },
    { name: 'kitchen', words: ['bread', 'spice', 'oven', 'soup', 'knife', 'butter'] },
    { name: 'space', words: ['star', 'orbit', 'comet', 'rocket', 'moon', 'planet'] },
    { name: 'music', words: ['melody', 'rhythm', 'guitar', 'drum', 'chord', 'song'] },
    { name: 'garden', words: ['rose', 'soil', 'seed', 'bloom', 'tulip', 'hedge'] },
    { name: 'winter', words: ['snow', 'frost', 'ice', 'sled', 'scarf', 'fireplace'] },
];
/** Words that carry no content: a judge tolerates a few, penalizes many. */
exports.FILLER_WORDS = [
    'the',
    'a',
    'and',
    'very',
    'so',
    'really',
    'just',
    'thing',
    'stuff',
    'nice',
    'good',
    'okay',
];
const TEMPLATES = [
    'tell me about the {t}',
    'describe the {t}',
    'write a short line about the {t}',
    'what comes to mind with the {t}',
    'say something about the {t}',
];
const MODIFIERS = ['', ' at night', ' in spring', ' today', ' please'];
/** Every word a prompt or response of the demo world can contain, in a fixed order. */
function demoWords() {
    const words = new Set();
    const add = (text) => text.split(/\s+/).filter(Boolean).forEach((w) => words.add(w));
    for (const t of TEMPLATES)
        add(t.replace('{t}', ''));
    for (const m of MODIFIERS)
        add(m);
    for (const topic of exports.DEMO_TOPICS) {
        words.add(topic.name);
        topic.words.forEach((w) => words.add(w));
    }
    exports.FILLER_WORDS.forEach((w) => words.add(w));
    return [...words];
}
/** The topic a prompt asks about, or undefined when it names none. */
function topicOfPrompt(prompt) {
    const words = new Set(prompt.toLowerCase().split(/\s+/));
    return exports.DEMO_TOPICS.find((t) => words.has(t.name));
}
/**
 * Demo prompts for one split. Train and eval prompts come from separate seeded streams and carry
 * split-prefixed ids, so no held-out id is ever trained on.
 */
function demoPrompts(seed, count, split) {
    const rng = new rng_1.Rng((0, rng_1.seedFrom)(seed, 'prompts', split));
    const rows = [];
    for (let i = 0; i < count; i++) {
        const topic = rng.pick(exports.DEMO_TOPICS);
        const text = rng.pick(TEMPLATES).replace('{t}', topic.name) + rng.pick(MODIFIERS);
        rows.push({ id: `${split}-${String(i).padStart(5, '0')}`, prompt: text });
    }
    return rows;
}
/**
 * The supervised fine-tuning corpus: responses of uneven quality (some on-topic words, some
 * filler, some words of other topics, uneven lengths), so the fitted policy starts mediocre and
 * the AI feedback has something to improve.
 */
function demoSftCorpus(seed, count) {
    const rng = new rng_1.Rng((0, rng_1.seedFrom)(seed, 'sft'));
    const rows = [];
    for (let i = 0; i < count; i++) {
        const topic = rng.pick(exports.DEMO_TOPICS);
        const prompt = rng.pick(TEMPLATES).replace('{t}', topic.name) + rng.pick(MODIFIERS);
        const length = 2 + rng.int(9);
        const words = [];
        for (let j = 0; j < length; j++) {
            const u = rng.next();
            if (u < 0.3)
                words.push(rng.pick(topic.words));
            else if (u < 0.5)
                words.push(rng.pick(rng.pick(exports.DEMO_TOPICS).words));
            else
                words.push(rng.pick(exports.FILLER_WORDS));
        }
        rows.push({ prompt, response: words.join(' ') });
    }
    return rows;
}
//# sourceMappingURL=world.js.map