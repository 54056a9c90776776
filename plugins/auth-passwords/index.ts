/**
 * @module datasette-auth-passwords, built into Almanac and written as an ordinary plugin on the public hooks
 * (docs/protect-your-data.md). Accounts are password hashes in its configuration (the same keys, hashes and
 * actors as Datasette's plugin). It adds:
 * - `/-/login` and `/-/password-tool` (register_routes; pages.ts, templates in templates/),
 * - Basic credentials on every request (actor_from_request; guard.ts verifies, rate-limits and caches), and
 *   with `http_basic_auth: true` a 401 challenge for every request that brings no valid credentials,
 * - "Log in" in the menu for anonymous visitors (menu_links),
 * - `almanac hash-password` (register_commands; cli.ts).
 * Its state lives per instance (tests start several in one process); passwordState() hands it to tests,
 * which replace the guard's clock and verifier rather than sleep or time anything.
 */
import { HttpError, VERSION, type Almanac, type AlmanacPlugin } from "../../src/plugins/api.js";
import { registerHashPassword } from "./cli.js";
import { NAME, clientAddress, readConfig } from "./config.js";
import { CHALLENGE, FailureLog, PasswordGuard } from "./guard.js";
import { INVALID, TOOL_HASHES_PER_ADDRESS, TOOL_WINDOW_MS, loginPage, passwordToolPage, type PluginState } from "./pages.js";

const states = new WeakMap<Almanac, PluginState>();

/** The plugin's state for an instance (after start-up). */
export function passwordState(almanac: Almanac): PluginState {
  const state = states.get(almanac);
  if (!state) throw new Error(`${NAME} has not started on this instance`);
  return state;
}

/** The answer to a request that must bring credentials (`http_basic_auth: true`). */
function challenge(message: string): HttpError {
  return new HttpError(401, message, {}, { "www-authenticate": CHALLENGE });
}

const plugin: AlmanacPlugin = {
  name: NAME,
  version: VERSION,

  /** Read and check the configuration: a malformed hash or option stops start-up, naming the key. */
  startup({ almanac }) {
    const config = readConfig(almanac.pluginConfig(NAME));
    for (const warning of config.warnings) process.stderr.write(`almanac: plugin ${NAME}: ${warning}\n`);
    states.set(almanac, { config, guard: new PasswordGuard(config), toolUse: new FailureLog(TOOL_HASHES_PER_ADDRESS, TOOL_WINDOW_MS) });
  },

  register_routes({ almanac }) {
    return [
      { path: "/-/login", methods: ["GET", "POST"], handler: (req) => loginPage(req, almanac, passwordState(almanac)) },
      { path: "/-/password-tool", methods: ["GET", "POST"], handler: (req) => passwordToolPage(req, almanac, passwordState(almanac)) },
    ];
  },

  /**
   * Basic credentials on every request. Asked only when Almanac's own credentials (a ds_actor cookie
   * session, a dstok_ token) found no actor — which happens before routing, so with http_basic_auth every
   * route (pages, JSON, static files, 404s) is covered, while a browser signed in with the cookie still is.
   */
  async actor_from_request({ almanac, request }) {
    const state = states.get(almanac);
    if (!state || state.config.accounts.size === 0) return null;
    const header = request.header("authorization");
    if (header !== undefined && /^basic(\s|$)/i.test(header)) {
      const actor = await state.guard.basic(header, clientAddress(request, state.config.trustedProxyHops));
      if (actor) return actor;
      if (state.config.httpBasicAuth) throw challenge(INVALID);
      return null;
    }
    if (state.config.httpBasicAuth) throw challenge("This site needs a username and password (HTTP Basic authentication)");
    return null;
  },

  /** "Log in" for anonymous visitors (on sites with accounts whose pages are not behind Basic auth). */
  menu_links({ almanac, request, actor }) {
    const state = states.get(almanac);
    if (actor || !state || state.config.accounts.size === 0 || state.config.httpBasicAuth || request.path === "/-/login") return null;
    const here = almanac.path(request.path) + (request.queryString ? `?${request.queryString}` : "");
    return [{ href: `${almanac.path("/-/login")}?next=${encodeURIComponent(here)}`, label: "Log in" }];
  },

  register_commands({ program }) {
    registerHashPassword(program);
  },
};

export default plugin;
