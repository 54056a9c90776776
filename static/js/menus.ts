/**
 * Disclosure menus built on `<details>` (the header menu, the page's actions menu): Escape closes an open one
 * and puts focus back on its button, and a click elsewhere closes it — as people expect of a menu. Without
 * this script they still open and close with their button.
 */
const MENUS = "details.nav-menu, details.actions-menu";

function openMenus(): HTMLDetailsElement[] {
  return [...document.querySelectorAll<HTMLDetailsElement>(MENUS)].filter((d) => d.open);
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of openMenus()) {
    if (!menu.contains(document.activeElement) && document.activeElement !== document.body) continue;
    menu.open = false;
    menu.querySelector<HTMLElement>("summary")?.focus();
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  for (const menu of openMenus()) {
    if (!menu.contains(event.target as Node)) menu.open = false;
  }
});
