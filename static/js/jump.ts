/**
 * The jump menu: press `/` anywhere (outside a text field) or use the header's "Jump to…" button to open a
 * dialog that searches the databases, tables, views and queries the visitor may see (`/-/jump.json?q=`).
 * The search field is a combobox (ARIA 1.2 pattern): arrow keys move through the options, Enter opens one,
 * Escape closes the dialog and focus goes back to where it was.
 */

interface JumpMatch {
  name: string;
  url: string;
  type: string;
  description: string | null;
  display_name?: string;
}

const DEBOUNCE_MS = 150;
const TYPE_LABELS: Record<string, string> = { database: "Database", table: "Table", view: "View", query: "Query" };

let dialog: HTMLDialogElement | null = null;
let input: HTMLInputElement;
let listbox: HTMLUListElement;
let statusLine: HTMLElement;
let matches: JumpMatch[] = [];
let active = -1;
let opener: HTMLElement | null = null;
let jumpUrl = "";
let timer: ReturnType<typeof setTimeout> | undefined;
let latest = 0;

function build(): HTMLDialogElement {
  const d = document.createElement("dialog");
  d.className = "jump-dialog";
  d.setAttribute("aria-labelledby", "jump-title");
  d.innerHTML = `
    <form method="dialog" class="jump-form" role="search">
      <h2 id="jump-title" class="jump-title">Jump to</h2>
      <label for="jump-input" class="visually-hidden">Search databases, tables, views and queries</label>
      <input id="jump-input" class="jump-input" type="text" autocomplete="off" spellcheck="false"
        role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="jump-listbox"
        aria-describedby="jump-status" placeholder="Search databases, tables, views and queries">
      <ul id="jump-listbox" class="jump-listbox" role="listbox" aria-label="Matches"></ul>
      <p id="jump-status" class="jump-status" role="status"></p>
      <p class="jump-keys"><kbd>↑</kbd> <kbd>↓</kbd> to choose, <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close</p>
      <button type="button" class="jump-close" aria-label="Close">×</button>
    </form>`;
  input = d.querySelector<HTMLInputElement>(".jump-input")!;
  listbox = d.querySelector<HTMLUListElement>(".jump-listbox")!;
  statusLine = d.querySelector<HTMLElement>(".jump-status")!;
  input.addEventListener("input", () => search(input.value));
  input.addEventListener("keydown", onKey);
  d.querySelector(".jump-close")!.addEventListener("click", () => d.close());
  // Enter in the field is handled by onKey; never submit the form.
  d.querySelector("form")!.addEventListener("submit", (e) => e.preventDefault());
  // A click on the backdrop (outside the dialog's box) closes it.
  d.addEventListener("click", (e) => {
    if (e.target === d) d.close();
  });
  d.addEventListener("close", () => {
    clearTimeout(timer);
    opener?.focus();
    opener = null;
  });
  document.body.append(d);
  return d;
}

function setActive(index: number): void {
  const options = listbox.querySelectorAll<HTMLElement>("[role=option]");
  active = options.length ? Math.max(-1, Math.min(index, options.length - 1)) : -1;
  options.forEach((o, i) => o.setAttribute("aria-selected", String(i === active)));
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  } else input.removeAttribute("aria-activedescendant");
}

function render(list: JumpMatch[], truncated: boolean, query: string): void {
  matches = list;
  listbox.replaceChildren(
    ...list.map((m, i) => {
      const li = document.createElement("li");
      li.id = `jump-option-${i}`;
      li.setAttribute("role", "option");
      li.className = `jump-option jump-type-${m.type}`;
      const type = document.createElement("span");
      type.className = "jump-option-type";
      type.textContent = TYPE_LABELS[m.type] ?? m.type;
      const name = document.createElement("span");
      name.className = "jump-option-name";
      name.textContent = m.display_name ? `${m.display_name} (${m.name})` : m.name;
      // A separator for screen readers, which would otherwise read "Tablefixtures: facetable".
      const separator = document.createElement("span");
      separator.className = "visually-hidden";
      separator.textContent = ": ";
      li.append(type, separator, name);
      if (m.description) {
        const desc = document.createElement("span");
        desc.className = "jump-option-description";
        desc.textContent = m.description;
        li.append(desc);
      }
      // mousedown would move focus out of the combobox; keep it in the field and follow the link on click.
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => go(i));
      return li;
    }),
  );
  input.setAttribute("aria-expanded", String(list.length > 0));
  setActive(list.length ? 0 : -1);
  const n = list.length;
  statusLine.textContent = n === 0 ? (query ? "No matches" : "") : `${n}${truncated ? "+" : ""} ${n === 1 ? "match" : "matches"}`;
}

function search(query: string): void {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const ticket = ++latest;
    try {
      const response = await fetch(`${jumpUrl}?${new URLSearchParams({ q: query })}`, { headers: { accept: "application/json" } });
      const body = (await response.json()) as { ok?: boolean; matches?: JumpMatch[]; truncated?: boolean; error?: string };
      // Replies can arrive out of order: only the latest search is shown.
      if (ticket !== latest) return;
      if (!response.ok || !body.ok) {
        render([], false, query);
        statusLine.textContent = body.error ?? `Search failed (${response.status})`;
        return;
      }
      render(body.matches ?? [], body.truncated === true, query);
    } catch {
      if (ticket === latest) statusLine.textContent = "Search failed: the server could not be reached";
    }
  }, DEBOUNCE_MS);
}

function go(index: number): void {
  const match = matches[index];
  if (match) location.assign(match.url);
}

function onKey(e: KeyboardEvent): void {
  const count = matches.length;
  switch (e.key) {
    case "ArrowDown":
      e.preventDefault();
      if (count) setActive(active < count - 1 ? active + 1 : 0);
      break;
    case "ArrowUp":
      e.preventDefault();
      if (count) setActive(active > 0 ? active - 1 : count - 1);
      break;
    case "Home":
    case "End":
      if (count && e.ctrlKey) {
        e.preventDefault();
        setActive(e.key === "Home" ? 0 : count - 1);
      }
      break;
    case "Enter":
      e.preventDefault();
      go(active >= 0 ? active : 0);
      break;
  }
}

/** Open the dialog; `from` gets focus back when it closes. */
export function openJump(from: HTMLElement | null, url: string): void {
  jumpUrl = url;
  dialog ??= build();
  if (dialog.open) return;
  opener = from;
  dialog.showModal();
  input.value = "";
  render([], false, "");
  input.focus();
  search("");
}

function jumpButton(): HTMLElement | null {
  return document.querySelector<HTMLElement>(".jump-button[data-jump-url]");
}

/** Typing `/` in a field, the SQL editor or anything editable is just typing. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("[contenteditable], .cm-editor")) return true;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

document.addEventListener("keydown", (e) => {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTyping(e.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const button = jumpButton();
  if (!button) return;
  e.preventDefault();
  const focused = document.activeElement;
  openJump(focused instanceof HTMLElement && focused !== document.body ? focused : button, button.dataset.jumpUrl!);
});

document.addEventListener("click", (e) => {
  const button = e.target instanceof Element ? e.target.closest<HTMLElement>(".jump-button[data-jump-url]") : null;
  if (!button) return;
  e.preventDefault();
  openJump(button, button.dataset.jumpUrl!);
});
