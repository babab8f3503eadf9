/**
 * What the real-server tests share: an Ollama serving two tiny models the tests write (a judge
 * and a policy, see tests/helpers/gguf/tiny-llama.ts), with the GPT-2 tokenizer from the shared
 * test-models folder. `npm run test:real` makes sure both the binary and that folder exist.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findTestModelsDir,
  judgeSpec,
  policySpec,
  VOCAB_FILE_NAME,
  writeTinyLlama,
} from '../helpers/gguf/tiny-llama';
import { startOllama, type OllamaServer } from '../helpers/ollama';

export const JUDGE_MODEL = 'tiny-judge';
export const POLICY_MODEL = 'tiny-policy';
/** The judge's weights under another name, so embedding requests get a runner of their own. */
export const EMBED_MODEL = 'tiny-embed';

/** A running Ollama with the tests' models; `stop()` removes everything it wrote. */
export interface OllamaFixture {
  ollama: OllamaServer;
  stop(): Promise<void>;
}

/** Writes the tiny models, starts Ollama, creates and loads them. */
export async function startOllamaFixture(): Promise<OllamaFixture> {
  const models = findTestModelsDir();
  if (!models)
    throw new Error(
      `no shared/test-models/${VOCAB_FILE_NAME} above this checkout (npm run test:real says how to get it)`,
    );
  const vocab = path.join(models, VOCAB_FILE_NAME);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-gguf-'));
  const ollama = await startOllama();
  try {
    for (const [name, spec] of [
      [JUDGE_MODEL, judgeSpec()],
      [POLICY_MODEL, policySpec()],
    ] as const) {
      const file = path.join(dir, `${name}.gguf`);
      writeTinyLlama(file, spec, vocab);
      await ollama.createModel(name, file);
      if (name === JUDGE_MODEL) await ollama.createModel(EMBED_MODEL, file);
    }
    // Both stay loaded (OLLAMA_KEEP_ALIVE=-1), so no test waits for a model to load.
    await ollama.warm(JUDGE_MODEL);
    await ollama.warm(POLICY_MODEL);
  } catch (err) {
    await ollama.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ollama,
    async stop() {
      await ollama.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
