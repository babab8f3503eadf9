"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolveConnection = resolveConnection;
exports.connectClient = connectClient;
exports.connectWorker = connectWorker;
/**
 * Connection settings the Temporal way: an envconfig profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY.
 * Nothing is hard-coded: with nothing set, envconfig's own default (localhost:7233) applies.
 */
const client_1 = require("@temporalio/client");
const envconfig_1 = require("@temporalio/envconfig");
const worker_1 = require("@temporalio/worker");
/** Resolves the connection settings from the profile and the environment. */
function resolveConnection(overrides = {}) {
    const loaded = (0, envconfig_1.loadClientConnectConfig)(overrides.profile ? { profile: overrides.profile } : {});
    const opts = loaded.connectionOptions;
    return {
        address: overrides.address ?? opts.address ?? 'localhost:7233',
        namespace: overrides.namespace ?? loaded.namespace ?? 'default',
        ...(opts.apiKey && typeof opts.apiKey === 'string' ? { apiKey: opts.apiKey } : {}),
        ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
    };
}
/** A client connected per the settings, with the plugin applied (its data converter). */
async function connectClient(settings, plugin) {
    const connection = await client_1.Connection.connect({
        address: settings.address,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    });
    return new client_1.Client({ connection, namespace: settings.namespace, ...(plugin ? { plugins: [plugin] } : {}) });
}
/** A worker connection per the settings. */
function connectWorker(settings) {
    return worker_1.NativeConnection.connect({
        address: settings.address,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    });
}
//# sourceMappingURL=connection.js.map