/**
 * A real fine-tuner behind the jobs server's DPO jobs: it reads the OpenAI DPO training file,
 * runs DPO on the local model server's checkpoint of the job's base model (the reference is that
 * same base, as in OpenAI's DPO), and registers the result on the model server under the job's
 * fine-tuned model name. So a run that optimizes its policy through fine-tuning jobs can be
 * tested end to end with a model that really learns.
 */
import { runInThread } from '../compute/run-in-thread';
import type { PreferenceRow } from '../stages/types';
import type { LocalModelServer } from './local-model-server';
import type { FineTuner, FineTuneRequest } from '../../devtools/openai-jobs/fine-tuning-jobs';

/** The local DPO's learning rate at `learning_rate_multiplier` 1 (the run config's default). */
export const BASE_DPO_LR = 0.02;

interface DpoLine {
  input: { messages: Array<{ role: string; content: string }> };
  preferred_output: Array<{ content: string }>;
  non_preferred_output: Array<{ content: string }>;
}

/** The training file's examples as hard-labelled pairs (p = 1 for the preferred output). */
export function pairsFromDpoJsonl(jsonl: string): PreferenceRow[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const ex = JSON.parse(line) as DpoLine;
      const user = ex.input.messages.filter((m) => m.role === 'user').pop();
      const chosen = ex.preferred_output[0]?.content;
      const rejected = ex.non_preferred_output[0]?.content;
      if (!user || chosen === undefined || rejected === undefined)
        throw new Error(`training file line ${i + 1}: no user message or outputs`);
      return {
        id: `line-${i + 1}`,
        promptId: `line-${i + 1}`,
        prompt: user.content,
        aId: `line-${i + 1}-chosen`,
        bId: `line-${i + 1}-rejected`,
        a: chosen,
        b: rejected,
        pAB: 1,
        pBA: 0,
        p: 1,
        flipped: false,
      };
    });
}

const numberOr = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** A `FineTuner` that trains on `server`'s checkpoints and serves the result there. */
export function localDpoFineTuner(server: LocalModelServer): FineTuner {
  return async (req: FineTuneRequest) => {
    const base = server.policyCheckpoint(req.model);
    if (!base) throw new Error(`base model "${req.model}" is not a policy this server serves`);
    const pairs = pairsFromDpoJsonl(req.trainingJsonl);
    const hp = req.hyperparameters;
    const epochs = numberOr(hp.n_epochs, 3);
    const out = await runInThread(
      'optimizeWithDpo',
      {
        policy: base,
        reference: base,
        pairs,
        options: {
          seed: req.seed ?? 0,
          epochs,
          beta: numberOr(hp.beta, 0.1),
          lr: BASE_DPO_LR * numberOr(hp.learning_rate_multiplier, 1),
        },
      },
      { signal: req.signal },
    );
    req.onStep(epochs, epochs, out.dpoLoss);
    server.registerPolicy(req.fineTunedModel, out.onnx);
  };
}
