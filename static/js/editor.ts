/** The SQL editor (CodeMirror 6), loaded only on pages that have one. */
