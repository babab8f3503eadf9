/** What the server's two background resources, batches and fine-tuning jobs, have in common. */
import type { ApiError } from '../../src/model-server/api-error';
import type { Json, OpenAIJobsServerStats, Timers } from './common';
import type { Files } from './files';

/** What every resource works with: the server's files, its clock and its counters. */
export interface ServerParts {
  files: Files;
  timers: Timers;
  stats: OpenAIJobsServerStats;
}

/** Objects that are created, then change state in the background until they end. */
export abstract class BackgroundResource<R extends { obj: Json & { id: string } }> {
  private readonly records = new Map<string, R>();

  constructor(protected readonly parts: ServerParts) {}

  /** OpenAI's 404 for an id this resource does not know. */
  protected abstract notFound(id: string): ApiError;

  /** `GET …/{id}`: the object, or the 404. */
  get(id: string): Json {
    return this.record(id).obj;
  }

  protected record(id: string): R {
    const r = this.records.get(id);
    if (!r) throw this.notFound(id);
    return r;
  }

  protected add(r: R): void {
    this.records.set(r.obj.id, r);
  }

  protected all(): IterableIterator<R> {
    return this.records.values();
  }

  /** The objects, newest first, as OpenAI lists them (the map keeps creation order). */
  protected newestFirst(): Json[] {
    return [...this.records.values()].map((x) => x.obj).reverse();
  }
}
