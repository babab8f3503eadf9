/** Builds the LLM judges of a run from its configuration: endpoint, judge options, ledger, fallback. */
import { parseEndpointConfig, type EndpointConfigInput } from '../providers/endpoint';
import { ledgerPath, openLedger, type JudgmentLedger } from './ledger';
import { OpenAIPairwiseJudge, OpenAIScoringJudge, type LLMJudgeOptionsInput } from './llm-judge';

/** One judge endpoint and how to judge with it. */
export interface LLMJudgeSpec {
  endpoint: EndpointConfigInput;
  options?: LLMJudgeOptionsInput;
}

/** What a worker needs to build its judges. */
export interface LLMJudgeSetup extends LLMJudgeSpec {
  /** Folder of the judgment ledger (`judgments.jsonl`), normally the run's store; no ledger when absent. */
  ledgerDir?: string;
  /** Tried when the main judge gives no usable verdict. */
  fallback?: LLMJudgeSpec;
}

/** The judges built from a setup, sharing one ledger. */
export interface LLMJudges {
  pairwise: OpenAIPairwiseJudge;
  scoring: OpenAIScoringJudge;
  fallback?: { pairwise: OpenAIPairwiseJudge; scoring: OpenAIScoringJudge };
  ledger?: JudgmentLedger;
}

/**
 * Validates the endpoint configs and builds the judges. Reads API keys from this worker's
 * environment (see createClient): call it in the worker, never in a workflow.
 */
export function createLLMJudges(setup: LLMJudgeSetup): LLMJudges {
  const ledger = setup.ledgerDir ? openLedger(ledgerPath(setup.ledgerDir)) : undefined;
  const build = (spec: LLMJudgeSpec) => {
    const endpoint = parseEndpointConfig(spec.endpoint);
    return {
      pairwise: new OpenAIPairwiseJudge(endpoint, spec.options ?? {}, { ledger }),
      scoring: new OpenAIScoringJudge(endpoint, spec.options ?? {}, { ledger }),
    };
  };
  const main = build(setup);
  return { ...main, ...(setup.fallback ? { fallback: build(setup.fallback) } : {}), ledger };
}
