/** @module The configuration package's public face: settings, option types, loading, 0.x migration and secrets. */
export * from "./settings.js";
export * from "./options.js";
export * from "./load.js";
export * from "./migrate.js";
export * from "./secrets.js";
