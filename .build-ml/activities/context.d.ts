/** Progress a batch reports in its heartbeats; a retried attempt resumes after `rows`. */
export interface BatchProgress {
    rows: number;
    total: number;
}
/** Heartbeats progress. The SDK throttles sends, so calling it often is cheap. */
export declare function reportProgress(progress: BatchProgress | Record<string, number>): void;
/** The progress the previous attempt of this activity reported, if any. */
export declare function previousProgress(): BatchProgress | undefined;
/** The signal that fires when Temporal cancels this activity (or the worker shuts down). */
export declare function activitySignal(): AbortSignal;
/**
 * Runs an activity body, turning permanent errors into non-retryable failures with their
 * message intact; everything else is left to the retry policy.
 */
export declare function classified<T>(body: () => Promise<T>): Promise<T>;
