/** @module The SQL-safety toolkit in one import: identifier quoting, read-only checks, parameters, FTS escaping. */

export { quoteIdentifier, escapeLikePattern } from "./quote.js";
export { validateReadOnlySql, ALLOWED_PRAGMAS, DISALLOWED_PRAGMA_MESSAGE } from "./readonly.js";
export { extractNamedParameters } from "./params.js";
export { escapeFts } from "./fts.js";
