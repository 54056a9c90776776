/**
 * @module The one permission resolver every route asks (Datasette 1.0's rules, §7.6). Each source contributes
 * rules — allow or deny an action at a level: global, a database, or a child of a database (table, view,
 * stored query). For a resource the most specific level with a rule decides; at that level a deny beats an
 * allow; no rule at all is a deny. An action's `also_requires` must be allowed too.
 *
 * Sources: the default rules (skipped under --default-deny), `default_allow_sql`, the configuration's allow
 * blocks (auth/allow.ts), `--root` (a global allow of everything for the root actor), and plugins'
 * `permission_rules` hooks. Plugin hooks may be async, so their rules are gathered once per request
 * (`prepare`) and the checks themselves stay synchronous. An actor carrying token restrictions (`_r`) is then
 * held to them: they can only take access away.
 */
import type { InstanceConfig } from "../config/options.js";
import type { Settings } from "../config/settings.js";
import { configRuleTemplates, rulesForActor } from "./allow.js";
import { abbreviate, restrictionAllows } from "./restrictions.js";
import { PluginError, isThenable, type PluginManager } from "../plugins/manager.js";
import type { LoadedPlugin } from "../plugins/load.js";

export const ACTIONS = [
  "view-instance", "permissions-debug", "debug-menu", "view-database", "view-database-download", "execute-sql",
  "execute-write-sql", "create-table", "create-view", "store-query", "view-table", "insert-row", "delete-row",
  "update-row", "alter-table", "set-column-type", "drop-table", "drop-view", "view-query", "update-query", "delete-query",
] as const;
export type Action = (typeof ACTIONS)[number];

export type Actor = Record<string, unknown> | null;

/** What a permission is about: nothing (instance), a database, or a table/view/query within one. */
export interface Resource {
  database?: string;
  child?: string;
}

/** A rule as the resolver keeps it: where it applies, what it says, and who said it (for the debug pages). */
export interface Rule {
  database: string | null;
  child: string | null;
  allow: boolean;
  reason: string;
  source: string;
}

const DEFAULT_ALLOW: ReadonlySet<Action> = new Set<Action>([
  "view-instance", "view-database", "view-database-download", "execute-sql", "view-table", "view-query",
]);

const ALSO_REQUIRES: Partial<Record<Action, Action>> = {
  "view-database-download": "view-database",
  "execute-sql": "view-database",
  "execute-write-sql": "view-database",
  "store-query": "execute-sql",
};

type RuleSet = Map<Action, Rule[]>;
/** One actor's plugin rules in one request: async hooks' gathered up front, the others' as checks ask. */
interface PluginRuleSets {
  eager: RuleSet;
  lazy: RuleSet;
}
const NO_RULE_LIST: Rule[] = [];
const ROOT_RULE: Rule = { database: null, child: null, allow: true, reason: "--root: the root actor may do everything", source: "root" };

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/**
 * Table names compare as SQLite compares them (ASCII case-insensitively), so a rule for `secret` also
 * protects `/db/SECRET` — and answers the same whether or not such a table exists.
 */
function sameChildName(ruleChild: string, child: string | undefined): boolean {
  return child !== undefined && (ruleChild === child || asciiLower(ruleChild) === asciiLower(child));
}

/** The level a rule sits at for `resource` (2 child, 1 database, 0 global), or -1 when it does not apply. */
function levelFor(rule: Rule, resource: Resource): number {
  if (rule.database === null) return rule.child === null ? 0 : -1;
  if (rule.database !== resource.database) return -1;
  if (rule.child === null) return 1;
  return sameChildName(rule.child, resource.child) ? 2 : -1;
}

/** Datasette's decision: the most specific level with a matching rule wins; deny beats allow within it. */
export function decide(rules: readonly Rule[], resource: Resource): { allowed: boolean; rule: Rule | null } {
  let best = -1;
  let chosen: Rule | null = null;
  for (const rule of rules) {
    const level = levelFor(rule, resource);
    if (level < best || level === -1) continue;
    if (level > best || (chosen?.allow && !rule.allow)) {
      best = level;
      chosen = rule;
    }
  }
  return { allowed: chosen?.allow ?? false, rule: chosen };
}

export class PermissionResolver {
  private readonly defaults: RuleSet = new Map();
  private readonly templates: ReturnType<typeof configRuleTemplates>;
  /** Configuration rules met with an actor, remembered per actor object (the configuration never changes). */
  private readonly configFor = new WeakMap<object, RuleSet>();
  private readonly configForAnonymous: RuleSet = new Map();
  /** The plugins asked for rules (set by prepare, once some plugin implements permission_rules). */
  private plugins: PluginManager | null = null;
  /** Plugin rules for this request's actor (actors are fresh objects per request) … */
  private readonly fromPlugins = new WeakMap<object, PluginRuleSets>();
  /** … and for the anonymous actor, asked on every page to mark private resources. */
  private anonymous: PluginRuleSets = { eager: new Map(), lazy: new Map() };

  constructor(
    settings: Settings,
    defaultDeny: boolean,
    config: InstanceConfig = {},
    /** `--root`: the actor `{"id": "root"}` gets a global allow of every action. */
    private readonly rootEnabled = false,
  ) {
    this.templates = configRuleTemplates(config);
    for (const action of ACTIONS) {
      const rules: Rule[] = [];
      if (!defaultDeny && DEFAULT_ALLOW.has(action)) rules.push({ database: null, child: null, allow: true, reason: "default allow", source: "default" });
      if (action === "execute-sql" && !settings.default_allow_sql) {
        rules.push({ database: null, child: null, allow: false, reason: "default_allow_sql is off", source: "default" });
      }
      this.defaults.set(action, rules);
    }
  }

  /**
   * Ready plugins' `permission_rules` for a request's actor (and the anonymous one). Synchronous hooks — the
   * usual kind — are asked later, only for the actions the request's checks need; a hook declared `async`
   * cannot be awaited in the middle of a check, so its rules for every action are gathered here.
   * Costs nothing when no plugin implements the hook.
   */
  prepare(plugins: PluginManager, actor: Actor): void | Promise<void> {
    if (!plugins.implements("permission_rules")) return;
    this.plugins = plugins;
    // Fresh each request: a plugin's answers may change from one request to the next.
    const anonymous: PluginRuleSets = { eager: new Map(), lazy: new Map() };
    const forActor: PluginRuleSets | null = actor ? { eager: new Map(), lazy: new Map() } : null;
    this.anonymous = anonymous;
    if (actor && forActor) this.fromPlugins.set(actor, forActor);
    const asyncPlugins = plugins.implementing("permission_rules").filter(declaredAsync);
    if (!asyncPlugins.length) return;
    const pending: Promise<void>[] = [];
    for (const [who, sets] of [[null, anonymous], [actor, forActor]] as const) {
      if (!sets) continue;
      for (const action of ACTIONS) {
        const ctx = { almanac: plugins.almanac!, actor: who, action };
        pending.push(
          Promise.all(asyncPlugins.map(async (p) => ({ plugin: p.name, value: await plugins.call(p, "permission_rules", ctx) }))).then((answers) => {
            const rules = checkedRules(answers);
            if (rules.length) sets.eager.set(action, rules);
          }),
        );
      }
    }
    return Promise.all(pending).then(() => undefined);
  }

  /** Plugins' rules for `action`: the async plugins' gathered by prepare, the others' asked now (once per request). */
  private pluginRules(actor: Actor, action: Action): Rule[] {
    const plugins = this.plugins;
    if (!plugins) return NO_RULE_LIST;
    let sets = actor ? this.fromPlugins.get(actor) : this.anonymous;
    // An actor object that was not prepared (a debug page checking someone else): synchronous hooks still answer.
    if (!sets) this.fromPlugins.set(actor!, (sets = { eager: new Map(), lazy: new Map() }));
    let rules = sets.lazy.get(action);
    if (!rules) {
      const answers: { plugin: string; value: unknown }[] = [];
      for (const p of plugins.implementing("permission_rules")) {
        if (declaredAsync(p)) continue;
        const value = plugins.call(p, "permission_rules", { almanac: plugins.almanac!, actor, action });
        if (isThenable(value)) {
          throw new PluginError(p.name, "permission_rules", new Error("it returned a promise without being declared async: declare it async so its rules are gathered before the request's checks"));
        }
        answers.push({ plugin: p.name, value });
      }
      rules = [...(sets.eager.get(action) ?? []), ...checkedRules(answers)];
      sets.lazy.set(action, rules);
    }
    return rules;
  }

  /** The configuration's rules for this actor and action. */
  private configRules(actor: Actor, action: Action): Rule[] {
    const templates = this.templates.get(action);
    if (!templates) return [];
    let set = actor ? this.configFor.get(actor) : this.configForAnonymous;
    if (!set) this.configFor.set(actor!, (set = new Map()));
    let rules = set.get(action);
    if (!rules) set.set(action, (rules = rulesForActor(templates, actor)));
    return rules;
  }

  /** Every rule that bears on `action` for `actor`, in source order. */
  rules(actor: Actor, action: Action): Rule[] {
    const defaults = this.defaults.get(action) ?? [];
    const fromConfig = this.configRules(actor, action);
    const fromPlugins = this.pluginRules(actor, action);
    const root = this.rootEnabled && actor?.id === "root" ? [ROOT_RULE] : [];
    if (!fromConfig.length && !fromPlugins.length && !root.length) return defaults;
    return [...defaults, ...root, ...fromConfig, ...fromPlugins];
  }

  allowed(actor: Actor, action: Action, resource: Resource = {}): boolean {
    const result = this.wouldAllow(actor, action, resource);
    this.record(actor, action, resource, result);
    return result;
  }

  /**
   * The same decision as `allowed`, not recorded among the recent checks: for listing many resources at once
   * (`/-/allowed`), which would otherwise push every real check out of `/-/permissions`.
   */
  wouldAllow(actor: Actor, action: Action, resource: Resource = {}): boolean {
    if (!decide(this.rules(actor, action), resource).allowed) return false;
    if (actor && actor._r !== undefined && !restrictionAllows(actor._r, action, resource)) return false;
    const also = ALSO_REQUIRES[action];
    return also ? this.wouldAllow(actor, also, resource) : true;
  }

  /** The last RECENT_CHECKS checks, oldest first (a ring buffer), for `/-/permissions`. */
  private readonly recent: PermissionCheck[] = [];
  private recentNext = 0;

  private record(actor: Actor, action: Action, resource: Resource, result: boolean): void {
    const entry: PermissionCheck = { when: Date.now(), actor, action, database: resource.database ?? null, child: resource.child ?? null, result };
    if (this.recent.length < RECENT_CHECKS) this.recent.push(entry);
    else this.recent[this.recentNext] = entry;
    this.recentNext = (this.recentNext + 1) % RECENT_CHECKS;
  }

  /** The recent permission checks, newest first. */
  recentChecks(): PermissionCheck[] {
    if (this.recent.length < RECENT_CHECKS) return this.recent.slice().reverse();
    return [...this.recent.slice(this.recentNext), ...this.recent.slice(0, this.recentNext)].reverse();
  }

  /**
   * Why `actor` may or may not do `action` on `resource` (for `/-/check`): the rule that decided and its level,
   * what token restrictions said, and the decision on each action it also requires. Not recorded as a check.
   */
  explain(actor: Actor, action: Action, resource: Resource = {}): Explanation {
    const rules = this.rules(actor, action);
    const { allowed, rule } = decide(rules, resource);
    const matching = rules.filter((r) => levelFor(r, resource) !== -1);
    const restricted = actor !== null && actor._r !== undefined;
    const restrictionOk = !restricted || restrictionAllows(actor!._r, action, resource);
    const also = ALSO_REQUIRES[action];
    const required = also ? this.explain(actor, also, resource) : null;
    return {
      action,
      allowed: allowed && restrictionOk && (required?.allowed ?? true),
      rule: rule ? { ...rule, level: LEVEL_NAMES[levelFor(rule, resource)] } : null,
      reason: rule ? rule.reason : "no rule applies: denied",
      matching_rules: matching.map((r) => ({ ...r, level: LEVEL_NAMES[levelFor(r, resource)] })),
      restrictions: restricted ? { applies: true, allows: restrictionOk } : { applies: false, allows: true },
      also_requires: required,
    };
  }
}

/** How many checks `/-/permissions` shows (Datasette keeps 200). */
export const RECENT_CHECKS = 200;

/** One permission check as `/-/permissions` lists it. */
export interface PermissionCheck {
  /** Unix milliseconds. */
  when: number;
  actor: Actor;
  action: Action;
  database: string | null;
  child: string | null;
  result: boolean;
}

const LEVEL_NAMES = ["global", "database", "child"] as const;

/** A decision explained (`PermissionResolver.explain`). */
export interface Explanation {
  action: Action;
  allowed: boolean;
  /** The rule that decided, with the level it sat at; null when none applied (a deny). */
  rule: (Rule & { level: (typeof LEVEL_NAMES)[number] }) | null;
  reason: string;
  /** Every rule that applied to this resource, in source order. */
  matching_rules: (Rule & { level: (typeof LEVEL_NAMES)[number] })[];
  /** Token restrictions (`_r`): whether the actor has any, and whether they leave the action allowed. */
  restrictions: { applies: boolean; allows: boolean };
  /** The action this one also requires (Datasette's also_requires), explained in turn. */
  also_requires: Explanation | null;
}

/** The action another action also requires (`execute-sql` needs `view-database`, …), or null. */
export function alsoRequires(action: Action): Action | null {
  return ALSO_REQUIRES[action] ?? null;
}

/** Whether a plugin's permission_rules is an `async` function (asked before the checks rather than during them). */
function declaredAsync(p: LoadedPlugin): boolean {
  return p.plugin.permission_rules?.constructor.name === "AsyncFunction";
}

/** Plugins' answers as rules: null adds none, anything but a list of well-formed rules is the plugin's error. */
function checkedRules(answers: { plugin: string; value: unknown }[]): Rule[] {
  const rules: Rule[] = [];
  for (const { plugin, value } of answers) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw new PluginError(plugin, "permission_rules", new Error("it must return a list of rules"));
    for (const r of value) rules.push(checkRule(r, plugin));
  }
  return rules;
}

/** A plugin's rule, checked: a malformed one is the plugin's error, named, never a silent allow. */
function checkRule(value: unknown, plugin: string): Rule {
  const r = value as Record<string, unknown> | null;
  const optionalName = (v: unknown) => v === undefined || v === null || typeof v === "string";
  if (!r || typeof r !== "object" || typeof r.allow !== "boolean" || !optionalName(r.database) || !optionalName(r.child) || (r.child != null && r.database == null)) {
    throw new Error(`plugin ${plugin}: permission_rules returned a malformed rule ${JSON.stringify(value)} (want {database?, child?, allow: boolean, reason?})`);
  }
  return {
    database: (r.database as string | null | undefined) ?? null,
    child: (r.child as string | null | undefined) ?? null,
    allow: r.allow,
    reason: typeof r.reason === "string" ? r.reason : "",
    source: plugin,
  };
}

/** Which kind of resource each action is about (Datasette's takes_parent / takes_child). */
export const ACTION_KINDS: Record<Action, "instance" | "database" | "table" | "query"> = {
  "view-instance": "instance", "permissions-debug": "instance", "debug-menu": "instance",
  "view-database": "database", "view-database-download": "database", "execute-sql": "database", "execute-write-sql": "database",
  "create-table": "database", "create-view": "database", "store-query": "database",
  "view-table": "table", "insert-row": "table", "delete-row": "table", "update-row": "table", "alter-table": "table",
  "set-column-type": "table", "drop-table": "table", "drop-view": "table",
  "view-query": "query", "update-query": "query", "delete-query": "query",
};

/** A recognised action name (full or abbreviated) as its full name, or null. */
export function actionNamed(name: string): Action | null {
  if ((ACTIONS as readonly string[]).includes(name)) return name as Action;
  for (const action of ACTIONS) if (abbreviate(action) === name) return action;
  return null;
}

/** Restrictions as a token's `_r` carries them: actions abbreviated, empty parts left out. */
export interface Restrictions {
  a?: string[];
  d?: Record<string, string[]>;
  r?: Record<string, Record<string, string[]>>;
}

/**
 * Build `_r` from lists of (full or abbreviated) action names; throws an Error naming the first unknown
 * action. Returns undefined when nothing is restricted.
 */
export function buildRestrictions(all: string[], databases: [string, string][], resources: [string, string, string][]): Restrictions | undefined {
  const known = (name: string) => {
    const action = actionNamed(name);
    if (!action) throw new Error(`unknown action '${name}' (known actions: ${ACTIONS.join(", ")})`);
    return abbreviate(action);
  };
  const push = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  const r: Restrictions = {};
  for (const name of all) push((r.a ??= []), known(name));
  for (const [db, name] of databases) push(((r.d ??= Object.create(null) as Record<string, string[]>)[db] ??= []), known(name));
  for (const [db, child, name] of resources) {
    const byDb = ((r.r ??= Object.create(null) as Record<string, Record<string, string[]>>)[db] ??= Object.create(null) as Record<string, string[]>);
    push((byDb[child] ??= []), known(name));
  }
  // Built on prototype-less objects (a database may be called "__proto__"); handed out as plain JSON objects.
  return r.a || r.d || r.r ? (JSON.parse(JSON.stringify(r)) as Restrictions) : undefined;
}
