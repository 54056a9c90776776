/** @module The request as pages see it: method, path, parsed query string, headers and absolute-URL helpers. */
import type { IncomingHttpHeaders } from "node:http";

export interface RequestInit {
  method: string;
  /** Raw path as received, before base_url stripping, without the query string. */
  rawPath: string;
  queryString: string;
  headers: IncomingHttpHeaders;
  /** "https" when the connection is TLS or force_https_urls is on. */
  scheme: string;
  /** The client's address (the socket's peer; no proxy headers are trusted). */
  remoteAddress?: string;
  /** Reads the body (POST and friends), at most `limit` bytes; absent → an empty body. */
  readBody?: (limit: number) => Promise<Buffer>;
}

export class AlmanacRequest {
  readonly method: string;
  /** Path after base_url stripping; still raw (not percent-decoded). */
  path: string;
  readonly rawPath: string;
  readonly queryString: string;
  readonly headers: IncomingHttpHeaders;
  readonly scheme: string;
  private parsedArgs: URLSearchParams | null = null;
  private readonly readBody: ((limit: number) => Promise<Buffer>) | undefined;
  private bodyRead: Promise<Buffer> | null = null;
  private parsedPairs: [string, string][] | null = null;
  /** Values captured by the route pattern. */
  params: Record<string, string> = {};
  actor: Record<string, unknown> | null = null;
  /** Where the actor came from: "cookie" (can log out), "token", "plugin", "given" (serve --get --actor), or null. */
  actorSource: string | null = null;
  readonly remoteAddress: string;

  constructor(init: RequestInit) {
    this.method = init.method.toUpperCase();
    this.rawPath = init.rawPath;
    this.path = init.rawPath;
    this.queryString = init.queryString;
    this.headers = init.headers;
    this.scheme = init.scheme;
    this.readBody = init.readBody;
    this.remoteAddress = init.remoteAddress ?? "";
  }

  /** The request body (read once), refused with a 413 past `limit` bytes (0 = no limit). */
  body(limit: number): Promise<Buffer> {
    return (this.bodyRead ??= this.readBody ? this.readBody(limit) : Promise.resolve(Buffer.alloc(0)));
  }

  /** A form post's fields (`application/x-www-form-urlencoded`). */
  async form(limit: number): Promise<URLSearchParams> {
    return new URLSearchParams((await this.body(limit)).toString("utf8"));
  }

  /** The parsed query string (parsed on first use: many requests have none). */
  get args(): URLSearchParams {
    return (this.parsedArgs ??= new URLSearchParams(this.queryString));
  }

  /** Query-string pairs in order (repeatable keys kept). */
  get pairs(): [string, string][] {
    return (this.parsedPairs ??= this.queryString ? [...this.args.entries()] : []);
  }

  /** Host header as sent (absolute URLs follow it), falling back to localhost. */
  get host(): string {
    const h = this.headers.host;
    return typeof h === "string" && /^[A-Za-z0-9.\-:[\]]+$/.test(h) ? h : "localhost";
  }

  /** First value of a query-string argument. */
  arg(name: string): string | undefined {
    if (!this.queryString) return undefined;
    const v = this.args.get(name);
    return v === null ? undefined : v;
  }

  argList(name: string): string[] {
    return this.queryString ? this.args.getAll(name) : [];
  }

  /** Absolute URL for a path that already includes base_url. */
  absolute(path: string): string {
    return `${this.scheme}://${this.host}${path}`;
  }

  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }
}

/** Datasette's boolean query-string values. */
export function argIsTrue(value: string | undefined): boolean {
  return value !== undefined && ["on", "true", "1"].includes(value.toLowerCase());
}

/** Explicitly off (`off`, `false`, `0`); absent is neither true nor false. */
export function argIsFalse(value: string | undefined): boolean {
  return value !== undefined && ["off", "false", "0"].includes(value.toLowerCase());
}
