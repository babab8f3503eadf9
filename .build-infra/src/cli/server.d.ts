export declare function runServer(opts: {
    port: number;
    uiPort: number;
    dbFile?: string;
}): Promise<void>;
/** Stops a server that `rlaif demo` left running in the background. */
export declare function stopBackgroundServer(): string;
