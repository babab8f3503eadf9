"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.LocalArtifactStore = exports.ArtifactCorruptError = void 0;
/**
 * The local filesystem artifact store. Objects are committed atomically: written to a temporary
 * name, flushed, renamed into place, and only then described by a manifest that is itself
 * renamed into place. A reader trusts an object only through its manifest, so a crash at any
 * point leaves either nothing or a whole, checksummed object. Committing a key that is already
 * committed returns the existing reference: that is what makes retried activities idempotent.
 */
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const path = __importStar(require("node:path"));
const artifact_1 = require("./artifact");
/** Raised when stored bytes do not match their manifest: the producer must recompute. */
class ArtifactCorruptError extends Error {
    name = 'ArtifactCorruptError';
}
exports.ArtifactCorruptError = ArtifactCorruptError;
const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
class LocalArtifactStore {
    root;
    constructor(root) {
        this.root = path.resolve(root);
    }
    /** The file path of a key; rejects keys that could escape the root. */
    pathOf(key) {
        if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
            throw new Error(`invalid artifact key "${key}"`);
        }
        return path.join(this.root, key);
    }
    manifestPath(key) {
        return `${this.pathOf(key)}.manifest.json`;
    }
    /** The committed reference at `key`, or undefined when nothing is committed there. */
    async get(key) {
        try {
            const text = await node_fs_1.promises.readFile(this.manifestPath(key), 'utf8');
            return JSON.parse(text);
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return undefined;
            throw err;
        }
    }
    async writeAtomic(file, data) {
        await node_fs_1.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.tmp-${process.pid}-${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
        const handle = await node_fs_1.promises.open(tmp, 'w', 0o600);
        try {
            await handle.writeFile(data);
            await handle.sync();
        }
        finally {
            await handle.close();
        }
        await node_fs_1.promises.rename(tmp, file);
    }
    /**
     * Commits bytes under `key` once. If the key is already committed, the stored reference is
     * returned and the new bytes are dropped (a retry that recomputed the same batch).
     */
    async commitBytes(key, data, count) {
        const existing = await this.get(key);
        if (existing)
            return existing;
        const sha256 = (0, node_crypto_1.createHash)('sha256').update(data).digest('hex');
        await this.writeAtomic(this.pathOf(key), data);
        const ref = { uri: `store:${key}`, sha256, count, bytes: data.byteLength };
        await this.writeAtomic(this.manifestPath(key), JSON.stringify(ref));
        const record = { key, sha256, count, at: new Date().toISOString() };
        await node_fs_1.promises.appendFile(path.join(this.root, 'commits.log'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
        return ref;
    }
    /** Commits rows as JSON Lines. */
    async commitJsonl(key, rows) {
        const text = rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
        return this.commitBytes(key, Buffer.from(text, 'utf8'), rows.length);
    }
    /** Reads the bytes of a reference, verifying their checksum. */
    async readBytes(ref) {
        const key = (0, artifact_1.keyOfRef)(ref);
        const data = await node_fs_1.promises.readFile(this.pathOf(key));
        const sha = (0, node_crypto_1.createHash)('sha256').update(data).digest('hex');
        if (sha !== ref.sha256) {
            throw new ArtifactCorruptError(`artifact ${key} is corrupt: sha256 ${sha} does not match ${ref.sha256}`);
        }
        return data;
    }
    /** Reads JSON Lines rows of a reference, verifying checksum and row count. */
    async readJsonl(ref) {
        const text = (await this.readBytes(ref)).toString('utf8');
        const rows = text
            .split('\n')
            .filter((line) => line.length > 0)
            .map((line) => JSON.parse(line));
        if (rows.length !== ref.count) {
            throw new ArtifactCorruptError(`artifact ${(0, artifact_1.keyOfRef)(ref)} has ${rows.length} rows, expected ${ref.count}`);
        }
        return rows;
    }
    /** Reads all rows of several references, in order. */
    async readAllJsonl(refs) {
        const parts = await Promise.all(refs.map((r) => this.readJsonl(r)));
        return parts.flat();
    }
    /**
     * Appends rows to the partial (uncommitted) file of a batch in progress. A resumed attempt
     * reads back only as many rows as its last heartbeat reported, so a torn append is ignored.
     */
    async appendPartial(key, rows) {
        if (rows.length === 0)
            return;
        const file = `${this.pathOf(key)}.partial.jsonl`;
        await node_fs_1.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await node_fs_1.promises.appendFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    }
    /** The first `count` complete rows of a batch's partial file (fewer if it has fewer). */
    async readPartial(key, count) {
        let text;
        try {
            text = await node_fs_1.promises.readFile(`${this.pathOf(key)}.partial.jsonl`, 'utf8');
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return [];
            throw err;
        }
        const rows = [];
        for (const line of text.split('\n')) {
            if (rows.length >= count)
                break;
            try {
                rows.push(JSON.parse(line));
            }
            catch {
                break;
            }
        }
        return rows;
    }
    /** Starts a batch's partial file afresh, keeping only its first `count` rows. */
    async resetPartial(key, keep) {
        const file = `${this.pathOf(key)}.partial.jsonl`;
        await this.writeAtomic(file, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
    }
    /** Removes a batch's partial file once its output is committed. */
    async clearPartial(key) {
        await node_fs_1.promises.rm(`${this.pathOf(key)}.partial.jsonl`, { force: true });
    }
    /** Every commit so far, for audits and tests ("each batch committed exactly once"). */
    async commitLog() {
        try {
            const text = await node_fs_1.promises.readFile(path.join(this.root, 'commits.log'), 'utf8');
            return text
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l));
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return [];
            throw err;
        }
    }
    /** Reads a small JSON document stored with `writeJson` (not an artifact: mutable state). */
    async readJson(key) {
        try {
            return JSON.parse(await node_fs_1.promises.readFile(this.pathOf(key), 'utf8'));
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return undefined;
            throw err;
        }
    }
    /** Atomically replaces a small JSON document (used for the run checkpoint). */
    async writeJson(key, value) {
        await this.writeAtomic(this.pathOf(key), JSON.stringify(value, null, 2));
    }
}
exports.LocalArtifactStore = LocalArtifactStore;
//# sourceMappingURL=local-store.js.map