/** The script every page loads: the plugin manager, menus, the jump dialog and the table page's controls. */
import "./menus.js";
import "./jump.js";
import "./table.js";
// Last: its init event fires after the table page's controls are set up.
import "./manager.js";
