/**
 * The SQL editor (CodeMirror 6), loaded only on pages that have one. It enhances the form's plain
 * `<textarea data-sql-editor>`, which stays in the form as the submitted field (and is all there is without
 * JavaScript): SQLite highlighting, completion of the table and column names in `data-schema`, Ctrl/Cmd-Enter
 * or Shift-Enter to run, a "Format SQL" button, and parameter fields refreshed as `:named` parameters change.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting, syntaxTree } from "@codemirror/language";
import { sql, SQLite } from "@codemirror/lang-sql";
import { EditorState, Prec } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { formatDialect, sqlite } from "sql-formatter";

/** Colours come from CSS variables (editor.css), so the editor follows the page's light or dark theme. */
const highlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword], color: "var(--sql-keyword)", fontWeight: "600" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--sql-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--sql-number)" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "var(--sql-comment)", fontStyle: "italic" },
  { tag: [tags.special(tags.name), tags.variableName], color: "var(--sql-name)" },
  { tag: [tags.typeName, tags.standard(tags.name)], color: "var(--sql-type)" },
  { tag: tags.invalid, color: "var(--danger)" },
]);

const theme = EditorView.theme({
  "&": { color: "var(--fg)", backgroundColor: "var(--bg)", border: "1px solid var(--border-strong)", borderRadius: "var(--radius)" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
  ".cm-content": { fontFamily: "var(--mono)", caretColor: "var(--fg)", padding: "0.4rem 0" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--sql-selection)" },
  ".cm-activeLine": { backgroundColor: "var(--sql-active-line)" },
  ".cm-matchingBracket": { backgroundColor: "var(--sql-selection)", outline: "1px solid var(--border-strong)" },
  ".cm-placeholder": { color: "var(--fg-muted)" },
  ".cm-tooltip": { backgroundColor: "var(--bg-raised)", color: "var(--fg)", border: "1px solid var(--border)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--accent-fg)" },
});

function readSchema(textarea: HTMLTextAreaElement): Record<string, string[]> {
  try {
    const parsed: unknown = JSON.parse(textarea.dataset.schema ?? "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, string[]>;
  } catch {
    // A page without a schema still gets an editor, just no name completion.
  }
  return {};
}

/**
 * Bare column names (`where dollar_p…`): lang-sql completes tables, and columns only after `table.`. Every
 * column of every table the actor may see is offered, below the tables and keywords; names that are not
 * plain identifiers are inserted quoted.
 */
function columnCompletion(schema: Record<string, string[]>) {
  const names = [...new Set(Object.values(schema).flat())].sort();
  const options = names.map((name) => ({
    label: name,
    type: "property",
    detail: "column",
    boost: -1,
    apply: /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`,
  }));
  return (ctx: CompletionContext): CompletionResult | null => {
    const word = ctx.matchBefore(/[\w$]+/);
    if (!options.length || (!word && !ctx.explicit)) return null;
    const from = word ? word.from : ctx.pos;
    // After a dot the name belongs to a table (lang-sql's job); in strings and comments nothing is offered.
    if (ctx.state.sliceDoc(from - 1, from) === ".") return null;
    if (/String|Comment|QuotedIdentifier/.test(syntaxTree(ctx.state).resolveInner(ctx.pos, -1).name)) return null;
    return { from, options, validFor: /^[\w$]*$/ };
  };
}

/** Announce something to screen readers (and show it) next to the editor's buttons. */
function status(form: HTMLFormElement): HTMLElement {
  let el = form.querySelector<HTMLElement>(".sql-editor-status");
  if (!el) {
    el = document.createElement("span");
    el.className = "sql-editor-status";
    el.setAttribute("role", "status");
    form.querySelector(".form-actions")?.append(el);
  }
  return el;
}

/** Rebuild the parameter fields for these names, keeping what was typed into fields that remain. */
function renderParameters(form: HTMLFormElement, names: string[]): void {
  const fieldset = form.querySelector<HTMLFieldSetElement>(".query-parameters");
  if (!fieldset) return;
  const values = new Map<string, string>();
  for (const input of fieldset.querySelectorAll<HTMLInputElement>("input[name]")) values.set(input.name, input.value);
  const current = [...fieldset.querySelectorAll<HTMLInputElement>("input[name]")].map((i) => i.name);
  if (current.length === names.length && current.every((n, i) => n === names[i])) return;
  const fromUrl = new URLSearchParams(location.search);
  for (const row of fieldset.querySelectorAll(".query-parameter")) row.remove();
  names.forEach((name, i) => {
    const row = document.createElement("div");
    row.className = "query-parameter";
    const label = document.createElement("label");
    label.htmlFor = `qp-${i}`;
    label.textContent = name;
    const input = document.createElement("input");
    input.type = "text";
    input.id = `qp-${i}`;
    input.name = name;
    input.value = values.get(name) ?? fromUrl.get(name) ?? "";
    row.append(label, input);
    fieldset.append(row);
  });
  fieldset.hidden = names.length === 0;
}

function watchParameters(form: HTMLFormElement, url: string | undefined): (sql: string) => void {
  if (!url || !form.querySelector(".query-parameters")) return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;
  return (text: string) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ticket = ++latest;
      try {
        const response = await fetch(`${url}?${new URLSearchParams({ sql: text })}`, { headers: { accept: "application/json" } });
        if (!response.ok) return;
        const body = (await response.json()) as { parameters?: unknown };
        // Only the answer to the latest edit counts: replies may arrive out of order.
        if (ticket === latest && Array.isArray(body.parameters)) renderParameters(form, body.parameters.map(String));
      } catch {
        // Offline or refused: the fields refresh when the query runs instead.
      }
    }, 300);
  };
}

function enhance(textarea: HTMLTextAreaElement): void {
  const form = textarea.form;
  if (!form) return;
  const refreshParameters = watchParameters(form, textarea.dataset.parametersUrl);
  const submit = () => {
    textarea.value = view.state.doc.toString();
    form.requestSubmit();
    return true;
  };
  const schema = readSchema(textarea);
  const labelledBy = textarea.labels?.[0]?.id;
  const describedBy = textarea.getAttribute("aria-describedby");
  const view: EditorView = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        Prec.highest(keymap.of([
          { key: "Mod-Enter", run: submit },
          { key: "Shift-Enter", run: submit },
        ])),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        autocompletion(),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        sql({ dialect: SQLite, schema }),
        SQLite.language.data.of({ autocomplete: columnCompletion(schema) }),
        syntaxHighlighting(highlight),
        theme,
        EditorView.lineWrapping,
        // Through the editor's own attributes: CodeMirror rewrites its element's class list as its state changes.
        EditorView.editorAttributes.of({ class: "sql-editor-cm" }),
        placeholder("select * from …"),
        // Tab moves focus on (no indentWithTab): keyboard users must be able to leave the editor.
        EditorView.contentAttributes.of({
          "aria-multiline": "true",
          ...(labelledBy ? { "aria-labelledby": labelledBy } : { "aria-label": "SQL query" }),
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
          ...(textarea.getAttribute("aria-invalid") ? { "aria-invalid": "true" } : {}),
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          const text = update.state.doc.toString();
          textarea.value = text;
          refreshParameters(text);
        }),
      ],
    }),
  });
  // The shortcut is the editor's: the help text mentions it only once the editor is there.
  form.querySelector<HTMLElement>(".sql-editor-keys")?.removeAttribute("hidden");
  textarea.after(view.dom);
  textarea.hidden = true;
  // The label points at the textarea; clicking it should reach the editor that replaced it.
  textarea.labels?.[0]?.addEventListener("click", (e) => {
    e.preventDefault();
    view.focus();
  });
  form.addEventListener("submit", () => {
    textarea.value = view.state.doc.toString();
  });

  const format = document.createElement("button");
  format.type = "button";
  format.className = "sql-format";
  format.textContent = "Format SQL";
  format.addEventListener("click", () => {
    const before = view.state.doc.toString();
    try {
      const after = formatDialect(before, { dialect: sqlite, keywordCase: "upper", tabWidth: 2, paramTypes: { named: [":"] } });
      view.dispatch({ changes: { from: 0, to: before.length, insert: after } });
      status(form).textContent = "";
    } catch (err) {
      status(form).textContent = `Could not format this SQL: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    }
    view.focus();
  });
  const actions = form.querySelector(".form-actions");
  const run = actions?.querySelector("button[type=submit]");
  if (run) run.after(format);
  else if (actions) actions.append(format);
  else view.dom.after(format);
}

for (const textarea of document.querySelectorAll<HTMLTextAreaElement>("textarea[data-sql-editor]")) enhance(textarea);
