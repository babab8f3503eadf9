/** Recorded histories under tests/fixtures/histories/<release>/, read for the replay tests. */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES = path.resolve(__dirname, '..', '..', '..', 'tests', 'fixtures', 'histories');

export interface Fixture {
  /** `<release>/history-<name>.json`, relative to HISTORIES. */
  file: string;
  release: string;
  /** The fixture's name: the workflow id, then `@` and a tag when one id has several executions. */
  name: string;
  /** The workflow id it was recorded under: replay needs it, as child ids derive from it. */
  workflowId: string;
}

/** Every recorded history, oldest release folder first. */
export function listFixtures(): Fixture[] {
  if (!fs.existsSync(HISTORIES)) throw new Error(`no recorded histories: ${HISTORIES} is missing`);
  return fs
    .readdirSync(HISTORIES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(HISTORIES, d.name))
        .filter((f) => /^history-.+\.json$/.test(f))
        .sort()
        .map((f) => {
          const name = f.replace(/^history-/, '').replace(/\.json$/, '');
          return { file: `${d.name}/${f}`, release: d.name, name, workflowId: name.replace(/@.*$/, '') };
        }),
    );
}

/** A fixture as a History, with a message naming the file when it does not parse. */
export function loadHistory(fixture: Fixture): temporal.api.history.v1.IHistory {
  const file = path.join(HISTORIES, fixture.file);
  try {
    return historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file}: not a Temporal history in JSON (${(err as Error).message})`, { cause: err });
  }
}

/** The attributes of the history's first event, which starts the execution. */
export function startedAttributes(
  history: temporal.api.history.v1.IHistory,
): temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes {
  const attrs = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!attrs) throw new Error('the history does not begin with WorkflowExecutionStarted');
  return attrs;
}

const { EventType } = temporal.api.enums.v1;

/** The type of the history's last event, e.g. EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED. */
export function lastEventType(history: temporal.api.history.v1.IHistory): string {
  const type = history.events?.at(-1)?.eventType;
  return type === undefined || type === null ? 'none' : EventType[type];
}

/** One memo field of the execution, decoded (undefined when absent). */
export function memoField(history: temporal.api.history.v1.IHistory, key: string): unknown {
  const payload = startedAttributes(history).memo?.fields?.[key];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** Workflow ids of the child workflows the execution started, in order. */
export function childIds(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}
