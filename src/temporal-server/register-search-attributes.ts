/**
 * Registers the custom search attributes on a server that lacks them (a user's own
 * `temporal server start-dev` started without `--search-attribute` flags, or a fresh
 * namespace). Without them every upsert in the workflow would fail its workflow task.
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const TYPES = {
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/**
 * Adds whichever of the attributes are missing; returns their names. A server that refuses
 * (no permission on a cloud namespace) gets an error saying what to register by hand.
 */
export async function registerSearchAttributes(
  connectionOptions: Parameters<typeof Connection.connect>[0],
  namespace: string,
): Promise<string[]> {
  const connection = await Connection.connect(connectionOptions);
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(
      ([name]) => customAttributes?.[name] === undefined,
    );
    if (missing.length === 0) return [];
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
      });
    } catch (err) {
      const flags = missing.map(([name, type]) => `${name}=${type}`).join(', ');
      throw new Error(
        `namespace "${namespace}" lacks the search attributes ${flags} and they could not be added (${(err as Error).message}); ` +
          `add them with "temporal operator search-attribute create --name <name> --type <type>"`,
        { cause: err },
      );
    }
    return missing.map(([name]) => name);
  } finally {
    await connection.close();
  }
}
