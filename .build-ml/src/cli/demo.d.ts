import { type ConnectionSettings } from '../connection';
import { type SummaryLine } from './summary';
export declare const DEMO_CONFIG: string;
export interface ServerInfo {
    settings: ConnectionSettings;
    uiBase?: string;
    startedHere: boolean;
    pid?: number;
}
/** The server to use: a reachable configured one, or a background dev server started now. */
export declare function ensureServer(log: (line: string) => void): Promise<ServerInfo>;
export declare function runDemo(opts?: {
    configFile?: string;
    workflowId?: string;
}): Promise<SummaryLine>;
