/**
 * The browser plugin API, shaped like Datasette's `datasette-manager.js` (spec §8.3). Once the page has loaded
 * (DOMContentLoaded) the manager announces itself on `document` twice, with itself as the event's `detail`:
 * `almanac:init`, Almanac's name, and `datasette_init`, so Datasette's browser plugins work unchanged. Plugins
 * call `registerPlugin(name, {version, makeColumnActions, makeAboveTablePanelConfigs})`; a script that runs
 * later can use `window.almanacManager` directly. A plugin that throws is reported in the console with its
 * name and the hook, and the page goes on without its contribution.
 */
import { tableExtensions, type AboveTablePanelConfig, type ColumnAction, type ColumnDetails } from "./table.js";

export type { AboveTablePanelConfig, ColumnAction, ColumnDetails };

/** What a browser plugin may implement (Datasette's hook names). */
export interface BrowserPlugin {
  version?: string;
  /** Extra items for a column's menu on table pages. */
  makeColumnActions?(columnDetails: ColumnDetails): ColumnAction[] | null | undefined;
  /** Panels above the results table (table and query pages), each behind a toggle button. */
  makeAboveTablePanelConfigs?(): AboveTablePanelConfig[] | null | undefined;
}

export interface AlmanacManager {
  VERSION: string;
  plugins: Map<string, BrowserPlugin>;
  registerPlugin(name: string, plugin: BrowserPlugin): void;
  /** CSS selectors for the parts of Almanac's pages plugins most often need (Datasette's names). */
  selectors: typeof SELECTORS;
  /** Almanac's addition: open a panel registered through makeAboveTablePanelConfigs (false if there is none). */
  openAboveTablePanel(id: string): boolean;
}

declare global {
  interface Window {
    almanacManager: AlmanacManager;
    /** Datasette's global name for the same object. */
    __DATASETTE__: AlmanacManager;
  }
  interface DocumentEventMap {
    "almanac:init": CustomEvent<AlmanacManager>;
    datasette_init: CustomEvent<AlmanacManager>;
  }
}

/** Set by the bundler (scripts/build-assets.js) to package.json's version. */
declare const __ALMANAC_VERSION__: string;

/** Datasette's selector names, with Almanac's class names (the templates in templates/). */
export const SELECTORS = {
  /** The page's JSON link (table and query pages). */
  jsonExportLink: ".export-links a[href*=json]",
  tableWrapper: ".table-wrapper",
  table: "table.rows-and-columns",
  /** The container the above-table panels live in. */
  aboveTablePanel: ".above-table-panels",
  tableHeaders: "table.rows-and-columns th",
  filterRows: "form.filters .filter-row",
  facetResults: ".facet-results [data-column]",
} as const;

const plugins = new Map<string, BrowserPlugin>();

/** Run one plugin hook; a failure is logged with the plugin's name and counts as no answer. */
function guarded<T>(name: string, hook: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    console.error(`Almanac plugin "${name}": ${hook} failed`, err);
    return null;
  }
}

function asList<T>(name: string, hook: string, value: unknown): T[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value as T[];
  console.error(`Almanac plugin "${name}": ${hook} must return a list`);
  return [];
}

// Asked each time a column menu opens and each time the panels are refreshed, so every registered plugin counts.
tableExtensions.addColumnActions((details) => {
  const out: ColumnAction[] = [];
  for (const [name, plugin] of plugins) {
    if (!plugin.makeColumnActions) continue;
    const actions = asList<ColumnAction>(name, "makeColumnActions", guarded(name, "makeColumnActions", () => plugin.makeColumnActions!(details)));
    for (const action of actions) {
      if (!action || typeof action.label !== "string" || typeof action.onClick !== "function") continue;
      out.push({ label: action.label, onClick: (event) => void guarded(name, `the column action "${action.label}"`, () => action.onClick(event)) });
    }
  }
  return out;
});

tableExtensions.addAboveTablePanels(() => {
  const out: AboveTablePanelConfig[] = [];
  for (const [name, plugin] of plugins) {
    if (!plugin.makeAboveTablePanelConfigs) continue;
    const configs = asList<AboveTablePanelConfig>(name, "makeAboveTablePanelConfigs", guarded(name, "makeAboveTablePanelConfigs", () => plugin.makeAboveTablePanelConfigs!()));
    for (const config of configs) {
      if (!config || typeof config.id !== "string" || typeof config.label !== "string" || typeof config.render !== "function") continue;
      out.push({ id: config.id, label: config.label, render: (node) => void guarded(name, `the panel "${config.id}"`, () => config.render(node)) });
    }
  }
  return out;
});

export const manager: AlmanacManager = {
  VERSION: typeof __ALMANAC_VERSION__ === "string" ? __ALMANAC_VERSION__ : "dev",
  plugins,
  registerPlugin(name: string, plugin: BrowserPlugin): void {
    if (typeof name !== "string" || !name || !plugin || typeof plugin !== "object") {
      console.error("almanacManager.registerPlugin(name, plugin): a name and an object of hooks are needed");
      return;
    }
    if (plugins.has(name)) console.warn(`Almanac plugin "${name}" was registered again; the new one replaces it`);
    plugins.set(name, plugin);
    if (plugin.makeAboveTablePanelConfigs) tableExtensions.refreshPanels();
  },
  selectors: SELECTORS,
  openAboveTablePanel: (id) => tableExtensions.openPanel(id),
};

window.almanacManager = manager;
window.__DATASETTE__ = manager;

let announced = false;
function announce(): void {
  if (announced) return;
  announced = true;
  document.dispatchEvent(new CustomEvent("almanac:init", { detail: manager }));
  document.dispatchEvent(new CustomEvent("datasette_init", { detail: manager }));
}

// Module scripts run once the document is parsed ("interactive"), in page order, and DOMContentLoaded fires
// after the last of them: waiting for it lets plugin scripts placed after app.js add their listeners first.
// (`load` covers a late start between the two; once the page is complete there is nothing to wait for.)
if (document.readyState === "complete") announce();
else {
  document.addEventListener("DOMContentLoaded", announce, { once: true });
  window.addEventListener("load", announce, { once: true });
}
