import { type DevServer, type DevServerOptions } from '../../src/server/dev-server';
/** A dev server for one test file; `stop()` also removes the temporary folder it created. */
export interface TestServer extends DevServer {
    /** The SQLite file of the server. */
    dbFile: string;
}
/**
 * Starts a headless dev server on free ports with a SQLite file in a new temporary folder (or
 * `options.dbFile`, which the caller then owns, e.g. to restart a server on the same data).
 */
export declare function startTestServer(options?: DevServerOptions): Promise<TestServer>;
/**
 * Registers `beforeAll`/`afterAll` hooks that start a test server for the enclosing `describe`
 * (or file) and stop it; call the returned function inside tests to get the server.
 */
export declare function useTestServer(options?: DevServerOptions): () => TestServer;
