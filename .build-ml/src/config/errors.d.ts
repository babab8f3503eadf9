/** A configuration that cannot run. Never retried: the same input fails the same way. */
export declare class ConfigError extends Error {
    /** Each problem as "path: what was expected". */
    readonly problems: readonly string[];
    readonly name = "ConfigError";
    constructor(message: string, 
    /** Each problem as "path: what was expected". */
    problems?: readonly string[]);
}
