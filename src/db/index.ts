/** @module The database layer's public face: open modes, schema, pooled queries with time limits. */
export * from "./types.js";
export * from "./database.js";
export * from "./pool.js";
export type { ConnectionSpec, ExecutorInit, QueryRequest, QueryResult, QueryFailure } from "./executor.js";
export { foldCase, introspect } from "./introspect.js";
export { databaseNames, sha256File, parseExtensionSpec, loadExtension } from "./files.js";
