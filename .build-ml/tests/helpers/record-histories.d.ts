export declare function recordHistories(dir: string): Promise<string[]>;
