/** @module Errors as values: a status and user-facing messages, thrown anywhere and rendered once at the edge. */

// A registered symbol: an HttpError from another copy of this module (a plugin importing the package while
// the server runs from source) is still recognised as one.
const HTTP_ERROR = Symbol.for("almanac.HttpError");

export class HttpError extends Error {
  readonly [HTTP_ERROR] = true;
  readonly status: number;
  readonly messages: string[];
  /** Extra keys merged into the JSON error body (e.g. `rows: []` for SQL errors). */
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: number, messages: string | string[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const list = Array.isArray(messages) ? messages : [messages];
    super(list.join("; "));
    this.status = status;
    this.messages = list;
    this.extra = extra;
    this.headers = headers;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== HttpError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[HTTP_ERROR] === true;
  }
}

export class BadRequest extends HttpError {
  constructor(messages: string | string[], extra: Record<string, unknown> = {}) {
    super(400, messages, extra);
  }
}

export class NotFound extends HttpError {
  constructor(message = "Not found") {
    super(404, message);
  }
}

export class Forbidden extends HttpError {
  constructor(message = "Forbidden") {
    super(403, message);
  }
}

export class MethodNotAllowed extends HttpError {
  constructor() {
    super(405, "Method not allowed");
  }
}

/** A configuration or command-line problem: reported as one line and a non-zero exit, never a stack trace. */
export class StartupError extends Error {}
