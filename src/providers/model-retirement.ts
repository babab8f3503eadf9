/**
 * Models about to be retired. OpenAI's `/v1/models` reports a `shutdown_date` for models it is
 * retiring, and its fine-tuning API takes no new jobs from 2027-01-06; a run that depends on
 * either should say so when it starts, not when a request is refused weeks into a run. The check
 * is advisory: an endpoint that cannot be asked, or does not say, produces no warning.
 */
import type { RunConfig } from '../config/schema';
import type { EndpointConfig } from './endpoint';

/** The day OpenAI's fine-tuning API stops taking new jobs. */
export const OPENAI_FINE_TUNING_CLOSES = '2027-01-06';

/** An endpoint the run uses, the config field naming it, and the models it asks for there. */
export interface UsedEndpoint {
  field: string;
  endpoint: EndpointConfig;
  /** Models the run asks this endpoint for (the endpoint's own, a fine-tuning base model). */
  models: string[];
  /** The endpoint creates fine-tuning jobs. */
  fineTunes?: boolean;
}

/**
 * The endpoints a config uses, resolved by `resolve(name, field)` (the worker's capabilities, or
 * a client's view of them); names it cannot resolve are skipped (the run's first activity
 * reports those).
 */
export function endpointsUsed(
  config: RunConfig,
  resolve: (name: string, field: string) => EndpointConfig | undefined,
): UsedEndpoint[] {
  const named: Array<[string | undefined, string]> = [
    [config.generate.endpoint, 'generate.endpoint'],
    [config.judge.endpoint, 'judge.endpoint'],
    [config.judge.fallbackEndpoint, 'judge.fallbackEndpoint'],
    [config.rewardModel.endpoint, 'rewardModel.endpoint'],
  ];
  const out: UsedEndpoint[] = [];
  for (const [name, field] of named) {
    if (!name) continue;
    const endpoint = resolve(name, field);
    if (endpoint) out.push({ field, endpoint, models: [endpoint.model] });
  }
  const ft = config.policy.fineTune;
  if (ft) {
    const endpoint = resolve(ft.endpoint, 'policy.fineTune.endpoint');
    if (endpoint)
      out.push({ field: 'policy.fineTune.endpoint', endpoint, models: [ft.baseModel], fineTunes: true });
  }
  return out;
}

/** A `shutdown_date` as the ISO day it names: seconds since the epoch, or a date string. */
export function shutdownDay(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0)
    return new Date(value * 1000).toISOString().slice(0, 10);
  if (typeof value === 'string' && value.trim() !== '') {
    const t = Date.parse(value);
    return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : value.trim();
  }
  return undefined;
}

/** Options of `retirementWarnings`. */
export interface RetirementCheckOptions {
  /** Per-endpoint timeout of the `/models` request, ms (default 5000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * One warning per model the run uses that its endpoint reports a `shutdown_date` for, and one
 * per OpenAI endpoint the run creates fine-tuning jobs on. Endpoints are asked once each
 * (`GET {baseURL}/models`, with the key of the endpoint's `apiKeyEnv` when set); ones that fail
 * to answer are skipped.
 */
export async function retirementWarnings(
  used: readonly UsedEndpoint[],
  opts: RetirementCheckOptions = {},
): Promise<string[]> {
  const doFetch = opts.fetch ?? fetch;
  const warnings: string[] = [];
  const byBase = new Map<string, UsedEndpoint[]>();
  for (const u of used) {
    const base = u.endpoint.baseURL.replace(/\/+$/, '');
    byBase.set(base, [...(byBase.get(base) ?? []), u]);
  }
  await Promise.all(
    [...byBase].map(async ([base, uses]) => {
      const first = uses[0] as UsedEndpoint;
      const key = first.endpoint.apiKeyEnv ? process.env[first.endpoint.apiKeyEnv] : undefined;
      let listed: Array<{ id?: unknown; shutdown_date?: unknown }> = [];
      try {
        const res = await doFetch(`${base}/models`, {
          headers: key ? { authorization: `Bearer ${key}` } : {},
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
        if (res.ok) {
          const body = (await res.json()) as { data?: unknown };
          if (Array.isArray(body.data)) listed = body.data as typeof listed;
        }
      } catch {
        // Advisory only: an endpoint that cannot be asked now is the run's business later.
      }
      for (const u of uses) {
        for (const model of u.models) {
          const entry = listed.find((m) => m.id === model);
          const day = shutdownDay(entry?.shutdown_date);
          if (day)
            warnings.push(
              `${u.field}: model "${model}" at ${base} is being retired: the endpoint reports a shutdown_date of ${day}. Move the run to another model before then.`,
            );
        }
        if (u.fineTunes && /(^|\.)openai\.com$/.test(new URL(base).hostname))
          warnings.push(
            `${u.field}: OpenAI's fine-tuning API takes no new jobs from ${OPENAI_FINE_TUNING_CLOSES} (organizations without recent fine-tuned-model use already cannot create them); a round after that day cannot fine-tune there.`,
          );
      }
    }),
  );
  return warnings.sort();
}
