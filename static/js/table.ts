/**
 * The table page's controls: filter rows added and removed in place, no-argument operators hiding their
 * value, a keyboard-operable menu on every column header, the column chooser dialog, and panels above the
 * table. The page works without this script (plain links and a GET form); this makes it quicker to use.
 * Later code (the plugin manager) extends it through `tableExtensions`, shaped like Datasette's
 * makeColumnActions / makeAboveTablePanelConfigs.
 */

/** What a column-menu extension is told about the column (Datasette's columnDetails). */
export interface ColumnDetails {
  columnName: string;
  columnNotNull: boolean;
  columnType: string;
  isPk: boolean;
}

export interface ColumnAction {
  label: string;
  onClick(event: Event): void;
}

export interface AboveTablePanelConfig {
  id: string;
  label: string;
  /** Called once, the first time the panel opens, with the element to fill. */
  render(node: HTMLElement): void;
}

type ColumnActionSource = (details: ColumnDetails) => ColumnAction[] | null | undefined;
type PanelSource = () => AboveTablePanelConfig[] | null | undefined;

const columnActionSources: ColumnActionSource[] = [];
const panelSources: PanelSource[] = [];
let panelsReady = false;

/** How other code adds to the table page. Sources are asked each time a menu opens, so late registrations count. */
export const tableExtensions = {
  addColumnActions(source: ColumnActionSource): void {
    columnActionSources.push(source);
  },
  addAboveTablePanels(source: PanelSource): void {
    panelSources.push(source);
    if (panelsReady) renderPanels();
  },
  /** Ask the panel sources again (a source's answer changed, e.g. a plugin registered late). */
  refreshPanels(): void {
    if (panelsReady) renderPanels();
  },
  /** Open the panel with this config id (closing any other); false if there is none (yet). */
  openPanel(id: string): boolean {
    if (!builtPanels.has(id)) return false;
    togglePanel(id, true);
    return true;
  },
};

/** Tells screen-reader users what just happened (the element is a polite live region). */
function announce(region: Element | null, message: string): void {
  if (!region) return;
  region.textContent = "";
  // A fresh text node after clearing makes repeated identical messages audible too.
  window.setTimeout(() => (region.textContent = message), 30);
}

// ------------------------------------------------------------------------------------------- filter rows

function filterRowIndex(row: Element): number {
  return Number((row as HTMLElement).dataset.filterIndex ?? 0);
}

/** A no-argument operator (`isnull__1`) carries its value itself: its value box is hidden. */
function syncValueBox(row: Element): void {
  const op = row.querySelector<HTMLSelectElement>("select.filter-op");
  const value = row.querySelector<HTMLInputElement>("input.filter-value");
  if (!op || !value) return;
  const noArgument = op.value.endsWith("__1");
  value.hidden = noArgument;
  value.disabled = noArgument;
}

function initFilters(form: HTMLFormElement): void {
  const rows = form.querySelector<HTMLElement>(".filter-rows");
  const blank = form.querySelector<HTMLElement>(".filter-row-blank");
  const addButton = form.querySelector<HTMLButtonElement>("button.filter-add");
  const status = form.querySelector(".filter-status");
  if (!rows || !blank) return;
  form.querySelectorAll(".filter-row").forEach(syncValueBox);
  form.addEventListener("change", (event) => {
    const target = event.target as Element;
    if (target.matches("select.filter-op")) syncValueBox(target.closest(".filter-row")!);
  });

  form.addEventListener("click", (event) => {
    const remove = (event.target as Element).closest(".filter-remove");
    if (!remove || !form.contains(remove)) return;
    // In place: the other rows keep their unsaved edits; Apply filters updates the results.
    event.preventDefault();
    const row = remove.closest(".filter-row")!;
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    (next?.querySelector<HTMLElement>("select.filter-column") ?? form.querySelector<HTMLElement>("button.filter-apply"))?.focus();
    announce(status, "Filter removed. Choose Apply filters to update the rows.");
  });

  if (!addButton) return;
  addButton.hidden = false;
  addButton.addEventListener("click", () => {
    const index = Math.max(0, ...[...rows.querySelectorAll(".filter-row[data-filter-index]")].map(filterRowIndex)) + 1;
    const row = blank.cloneNode(true) as HTMLElement;
    row.classList.remove("filter-row-blank");
    row.dataset.filterIndex = String(index);
    for (const part of ["column", "op", "value"] as const) {
      const field = row.querySelector<HTMLInputElement | HTMLSelectElement>(`.filter-${part}`)!;
      const label = row.querySelector<HTMLLabelElement>(`label[for="filter-${part}-new"]`)!;
      field.id = `filter-${part}-${index}`;
      field.name = `_filter_${part}_${index}`;
      label.htmlFor = field.id;
      label.textContent = `Filter ${index}: ${part === "op" ? "operator" : part}`;
      if (field instanceof HTMLSelectElement) field.selectedIndex = 0;
      else field.value = "";
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "filter-remove";
    remove.setAttribute("aria-label", `Remove filter ${index}`);
    remove.innerHTML = '<span aria-hidden="true">✖</span>';
    row.append(remove);
    syncValueBox(row);
    rows.append(row);
    row.querySelector<HTMLElement>("select.filter-column")!.focus();
    announce(status, `Filter ${index} added.`);
  });
}

// ------------------------------------------------------------------------------------------- column menus

let openMenu: { button: HTMLButtonElement; menu: HTMLElement } | null = null;

function menuItems(menu: HTMLElement): HTMLElement[] {
  return [...menu.querySelectorAll<HTMLElement>('[role="menuitem"]')];
}

function columnDetails(th: HTMLElement): ColumnDetails {
  return {
    columnName: th.dataset.column ?? "",
    columnNotNull: th.dataset.columnNotNull === "1",
    columnType: th.dataset.columnType ?? "",
    isPk: th.dataset.isPk === "1",
  };
}

/** Items other code contributes, rebuilt on every opening (the column or the registrations may have changed). */
function addExtensionItems(menu: HTMLElement, th: HTMLElement): void {
  menu.querySelectorAll(".column-menu-extension").forEach((li) => li.remove());
  const details = columnDetails(th);
  for (const source of columnActionSources) {
    let actions: ColumnAction[] | null | undefined;
    try {
      actions = source(details);
    } catch (err) {
      console.error("A column action source failed", err);
      continue;
    }
    for (const action of actions ?? []) {
      const li = document.createElement("li");
      li.setAttribute("role", "none");
      li.className = "column-menu-extension";
      const item = document.createElement("button");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.tabIndex = -1;
      item.textContent = action.label;
      item.addEventListener("click", (event) => {
        closeMenu(true);
        action.onClick(event);
      });
      li.append(item);
      menu.append(li);
    }
  }
}

/** Fixed positioning: the table scrolls sideways inside its wrapper, which would clip an absolute menu. */
function placeMenu(button: HTMLElement, menu: HTMLElement): void {
  const rect = button.getBoundingClientRect();
  // Below the button when it fits, else above it, else as low as the viewport allows (a button near the
  // bottom of a phone screen would otherwise open its menu off screen).
  const height = menu.offsetHeight;
  let top = rect.bottom + 4;
  if (top + height > window.innerHeight - 8) top = rect.top - height - 4 >= 8 ? rect.top - height - 4 : Math.max(8, window.innerHeight - height - 8);
  menu.style.top = `${Math.round(top)}px`;
  const width = menu.offsetWidth;
  const left = Math.min(rect.left, window.innerWidth - width - 8);
  menu.style.left = `${Math.max(8, Math.round(left))}px`;
}

function openColumnMenu(button: HTMLButtonElement, focus: "first" | "last"): void {
  const menu = document.getElementById(button.getAttribute("aria-controls") ?? "");
  if (!menu) return;
  if (openMenu && openMenu.menu !== menu) closeMenu(false);
  addExtensionItems(menu, button.closest("th")!);
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  placeMenu(button, menu);
  openMenu = { button, menu };
  const items = menuItems(menu);
  items[focus === "first" ? 0 : items.length - 1]?.focus();
}

function closeMenu(returnFocus: boolean): void {
  if (!openMenu) return;
  const { button, menu } = openMenu;
  openMenu = null;
  // Focus inside a menu that disappears would fall to <body>: it goes back to the button.
  const focusInside = menu.contains(document.activeElement);
  menu.hidden = true;
  button.setAttribute("aria-expanded", "false");
  if (returnFocus || focusInside) button.focus();
}

function onMenuKeydown(event: KeyboardEvent): void {
  if (!openMenu) return;
  const items = menuItems(openMenu.menu);
  const at = items.indexOf(document.activeElement as HTMLElement);
  const focusAt = (i: number) => items[(i + items.length) % items.length]?.focus();
  switch (event.key) {
    case "ArrowDown":
      focusAt(at + 1);
      break;
    case "ArrowUp":
      focusAt(at - 1);
      break;
    case "Home":
      focusAt(0);
      break;
    case "End":
      focusAt(items.length - 1);
      break;
    case "Escape":
      closeMenu(true);
      break;
    case "Tab":
      // Back to the button, then the browser's own Tab moves on from there (forwards or backwards).
      closeMenu(true);
      return;
    default:
      // Type-ahead: the next item starting with the typed letter.
      if (event.key.length === 1 && /\S/.test(event.key)) {
        const letter = event.key.toLowerCase();
        const order = [...items.slice(at + 1), ...items.slice(0, at + 1)];
        order.find((item) => item.textContent?.trim().toLowerCase().startsWith(letter))?.focus();
        break;
      }
      return;
  }
  event.preventDefault();
}

function initColumnMenus(table: HTMLTableElement, chooser: ColumnChooser | null): void {
  const buttons = table.querySelectorAll<HTMLButtonElement>("button.column-menu-button");
  if (!buttons.length) return;
  // Without a chooser (no choosable columns, or no <dialog> support) its menu item would do nothing.
  if (!chooser) table.querySelectorAll('[data-action="choose-columns"]').forEach((item) => item.closest("li")?.remove());
  buttons.forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      if (openMenu?.button === button) closeMenu(true);
      else openColumnMenu(button, "first");
    });
    button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        openColumnMenu(button, event.key === "ArrowDown" ? "first" : "last");
      }
    });
  });
  table.querySelectorAll<HTMLElement>('[role="menu"]').forEach((menu) => {
    menu.addEventListener("keydown", onMenuKeydown);
    menu.addEventListener("click", (event) => {
      const item = (event.target as Element).closest<HTMLElement>('[data-action="choose-columns"]');
      if (!item) return;
      const column = item.closest("th")?.dataset.column;
      closeMenu(false);
      chooser?.open(openerFor(item), column);
    });
  });
  // A click elsewhere closes the menu. When the page moves (a scroll, which may arrive a frame after the
  // focus change that caused it, or a resize) the fixed-position menu follows its button, and closes only
  // once the button has left the screen.
  document.addEventListener("click", (event) => {
    if (openMenu && !openMenu.menu.contains(event.target as Node) && !openMenu.button.contains(event.target as Node)) closeMenu(false);
  });
  const follow = () => {
    if (!openMenu) return;
    const rect = openMenu.button.getBoundingClientRect();
    if (rect.bottom < 0 || rect.top > window.innerHeight || rect.right < 0 || rect.left > window.innerWidth) closeMenu(false);
    else placeMenu(openMenu.button, openMenu.menu);
  };
  window.addEventListener("resize", follow);
  document.addEventListener("scroll", follow, { capture: true, passive: true });
}

/** Where focus returns when the chooser closes: the column's menu button when opened from a menu. */
function openerFor(item: HTMLElement): HTMLElement {
  return item.closest("th")?.querySelector<HTMLElement>("button.column-menu-button") ?? item;
}

// ------------------------------------------------------------------------------------------- column chooser

interface ColumnChooser {
  open(opener: HTMLElement, focusColumn?: string): void;
}

function initColumnChooser(dialog: HTMLDialogElement): ColumnChooser {
  const list = dialog.querySelector<HTMLOListElement>(".column-chooser-list")!;
  const form = dialog.querySelector("form")!;
  const status = dialog.querySelector(".column-chooser-status");
  let opener: HTMLElement | null = null;
  let snapshot: { item: HTMLLIElement; checked: boolean }[] = [];
  const items = () => [...list.querySelectorAll<HTMLLIElement>(".column-chooser-item")];
  const checkbox = (li: Element) => li.querySelector<HTMLInputElement>('input[type="checkbox"]')!;

  function syncMoveButtons(): void {
    const all = items();
    all.forEach((li, i) => {
      li.querySelector<HTMLButtonElement>(".column-move-up")!.disabled = i === 0;
      li.querySelector<HTMLButtonElement>(".column-move-down")!.disabled = i === all.length - 1;
    });
  }

  function move(li: HTMLLIElement, direction: "up" | "down", button: HTMLButtonElement): void {
    const sibling = direction === "up" ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (direction === "up") sibling.before(li);
    else sibling.after(li);
    syncMoveButtons();
    // Keep focus on the control that was used; at the end of the list, on its opposite.
    const keep = button.disabled ? li.querySelector<HTMLButtonElement>(direction === "up" ? ".column-move-down" : ".column-move-up")! : button;
    keep.focus();
    const position = items().indexOf(li) + 1;
    announce(status, `${li.dataset.column} moved to position ${position} of ${items().length}.`);
  }

  list.addEventListener("click", (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>(".column-move-up, .column-move-down");
    if (!button) return;
    move(button.closest("li")!, button.classList.contains("column-move-up") ? "up" : "down", button);
  });
  dialog.querySelector(".column-chooser-all")?.addEventListener("click", () => {
    items().forEach((li) => (checkbox(li).checked = true));
    announce(status, "All columns selected.");
  });

  function restore(): void {
    for (const { item, checked } of snapshot) {
      list.append(item);
      checkbox(item).checked = checked;
    }
    syncMoveButtons();
  }
  dialog.querySelector(".column-chooser-cancel")?.addEventListener("click", () => {
    restore();
    dialog.close();
  });
  // Escape: the browser closes the dialog; undo the unsaved changes like Cancel.
  dialog.addEventListener("cancel", restore);
  dialog.addEventListener("close", () => {
    opener?.focus();
    opener = null;
  });

  form.addEventListener("submit", (event) => {
    const all = items();
    const checked = all.filter((li) => checkbox(li).checked);
    if (!checked.length) {
      event.preventDefault();
      announce(status, "Choose at least one column.");
      checkbox(all[0])?.focus();
      return;
    }
    // Every column in the table's own order is the default: leave `_col` out of the URL.
    const positions = all.map((li) => Number(li.dataset.position));
    const inTableOrder = positions.every((p, i) => i === 0 || positions[i - 1] < p);
    if (checked.length === all.length && inTableOrder) all.forEach((li) => (checkbox(li).disabled = true));
  });

  syncMoveButtons();
  return {
    open(from: HTMLElement, focusColumn?: string) {
      opener = from;
      snapshot = items().map((item) => ({ item, checked: checkbox(item).checked }));
      dialog.showModal();
      const target = items().find((li) => li.dataset.column === focusColumn) ?? items()[0];
      if (target) checkbox(target).focus();
    },
  };
}

// ------------------------------------------------------------------------------------------- panels above the table

/** Panels already built, by config id: a refresh (a late registration) keeps them, open or not, with their content. */
const builtPanels = new Map<string, { button: HTMLButtonElement; panel: HTMLElement }>();

/**
 * The panels' home: `.above-table-panels` on table pages; on pages without one (the query page) a container is
 * made just before the results table, the first time there is a panel to show.
 */
function panelContainer(create: boolean): HTMLElement | null {
  const existing = document.querySelector<HTMLElement>(".above-table-panels");
  if (existing || !create) return existing;
  const wrapper = document.querySelector(".table-wrapper") ?? document.querySelector("table.rows-and-columns");
  if (!wrapper) return null;
  const container = document.createElement("div");
  container.className = "above-table-panels";
  wrapper.before(container);
  return container;
}

/** Open one panel (filling it the first time) and close the others, or close them all. */
function togglePanel(id: string, open: boolean): void {
  for (const [otherId, { button, panel }] of builtPanels) {
    const opening = open && otherId === id;
    if (opening && panel.dataset.rendered !== "1") {
      panel.dataset.rendered = "1";
      try {
        panelConfigs.get(otherId)?.render(panel);
      } catch (err) {
        console.error(`The above-table panel ${otherId} failed to render`, err);
      }
    }
    panel.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
  }
}

const panelConfigs = new Map<string, AboveTablePanelConfig>();

function renderPanels(): void {
  const configs: AboveTablePanelConfig[] = [];
  for (const source of panelSources) {
    try {
      configs.push(...(source() ?? []));
    } catch (err) {
      console.error("An above-table panel source failed", err);
    }
  }
  const container = panelContainer(configs.length > 0);
  if (!container) return;
  container.hidden = configs.length === 0;
  let buttons = container.querySelector<HTMLElement>(".above-table-panel-buttons");
  if (!buttons) {
    buttons = document.createElement("div");
    buttons.className = "above-table-panel-buttons";
    container.prepend(buttons);
  }
  const ids = new Set(configs.map((c) => c.id));
  for (const [id, built] of builtPanels) {
    if (ids.has(id)) continue;
    built.button.remove();
    built.panel.remove();
    builtPanels.delete(id);
    panelConfigs.delete(id);
  }
  for (const config of configs) {
    panelConfigs.set(config.id, config);
    if (builtPanels.has(config.id)) continue;
    const panelId = `above-table-panel-${config.id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "above-table-panel-toggle";
    button.textContent = config.label;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", panelId);
    button.dataset.panel = config.id;
    const panel = document.createElement("div");
    panel.id = panelId;
    panel.className = "above-table-panel";
    panel.dataset.panel = config.id;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", config.label);
    panel.hidden = true;
    button.addEventListener("click", () => togglePanel(config.id, button.getAttribute("aria-expanded") !== "true"));
    builtPanels.set(config.id, { button, panel });
    buttons.append(button);
    container.append(panel);
  }
}

// ------------------------------------------------------------------------------------------- start

function initTablePage(): void {
  const form = document.querySelector<HTMLFormElement>("form.filters");
  const table = document.querySelector<HTMLTableElement>("table.rows-and-columns");
  const dialog = document.querySelector<HTMLDialogElement>("dialog.column-chooser");
  if (!form && !table) return; // not a table page
  if (form) initFilters(form);
  const chooser = dialog && typeof dialog.showModal === "function" ? initColumnChooser(dialog) : null;
  if (chooser) {
    document.querySelectorAll<HTMLButtonElement>("button.column-chooser-open").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => chooser.open(button));
    });
  }
  if (table) initColumnMenus(table, chooser);
  panelsReady = true;
  renderPanels();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initTablePage);
else initTablePage();
