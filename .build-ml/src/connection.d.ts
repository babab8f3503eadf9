/**
 * Connection settings the Temporal way: an envconfig profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY.
 * Nothing is hard-coded: with nothing set, envconfig's own default (localhost:7233) applies.
 */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { RlaifPlugin } from './plugin';
export interface ConnectionSettings {
    address: string;
    namespace: string;
    apiKey?: string;
    tls?: unknown;
}
/** Resolves the connection settings from the profile and the environment. */
export declare function resolveConnection(overrides?: {
    address?: string;
    namespace?: string;
    profile?: string;
}): ConnectionSettings;
/** A client connected per the settings, with the plugin applied (its data converter). */
export declare function connectClient(settings: ConnectionSettings, plugin?: RlaifPlugin): Promise<Client>;
/** A worker connection per the settings. */
export declare function connectWorker(settings: ConnectionSettings): Promise<NativeConnection>;
