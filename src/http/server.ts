/**
 * @module The HTTP edge: parse the request, strip base_url, route, render errors once in the format the
 * client asked for, add CORS and security headers, answer HEAD and OPTIONS.
 */
import { createServer, type IncomingMessage, type ServerResponse, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Almanac } from "../app.js";
import { AlmanacRequest } from "./request.js";
import { HttpError } from "./errors.js";
import { isStreamed, jsonError, redirect, replyCookies, replyProblem, text, type Reply, type StreamedBody } from "./response.js";
import { PluginError } from "../plugins/manager.js";
import { tildeEncode } from "./tilde.js";
import { matchRoute } from "./routes.js";
import { QueryError } from "../db/pool.js";
import { TIME_LIMIT_MESSAGE } from "../pages/common.js";
import { renderErrorPage } from "../render/html.js";
import type { Actor } from "../auth/permissions.js";
import { orCustomPage } from "../pages/custom.js";
import { withMessageCookie } from "./messages.js";
import { builtinActor } from "../auth/actors.js";
import { csrfProblem } from "./csrf.js";

const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "Authorization, Content-Type",
  "access-control-expose-headers": "Link",
  "access-control-allow-methods": "GET, POST, HEAD, OPTIONS",
  "access-control-max-age": "3600",
};

/** Whether an error for this request should be JSON (path ends .json, or the client asked for JSON). */
function wantsJson(req: AlmanacRequest): boolean {
  if (/\.json$/.test(req.path)) return true;
  const accept = req.header("accept") ?? "";
  const ctype = req.header("content-type") ?? "";
  return accept.includes("application/json") || ctype.includes("application/json");
}

export async function errorReply(almanac: Almanac, req: AlmanacRequest, err: HttpError): Promise<Reply> {
  if (wantsJson(req)) return jsonError(err.messages, err.status, err.extra, err.headers);
  const title = err.status === 404 ? "Not found" : err.status === 403 ? "Forbidden" : err.status >= 500 ? "Server error" : "Error";
  let reply: Reply;
  try {
    reply = await renderErrorPage(almanac, req, err.status, title, err.messages);
  } catch (renderError) {
    // A broken custom error template must not hide the error itself.
    process.stderr.write(`almanac: error template failed: ${(renderError as Error)?.message ?? String(renderError)}\n`);
    reply = text(`${title}\n\n${err.messages.join("\n")}\n`, err.status);
  }
  return { ...reply, headers: { ...reply.headers, ...err.headers } };
}

/**
 * Datasette's router fall-through for paths no route matched: percent-encoded paths move to their tilde
 * form, and a trailing slash is dropped. Targets are always same-site paths.
 */
function fallThroughRedirect(almanac: Almanac, req: AlmanacRequest): Reply | null {
  const qs = req.queryString ? `?${req.queryString}` : "";
  if (req.path.includes("%")) {
    let decoded: string[];
    try {
      decoded = req.path.split("/").map((seg) => decodeURIComponent(seg));
    } catch {
      return null;
    }
    // Keep a format suffix on the last segment: `/db/t%2Fx.json` → `/db/t~2Fx.json`.
    const last = decoded.length - 1;
    const fmt = /\.(\w+)$/.exec(decoded[last]);
    const tail = fmt ? decoded[last].slice(0, -fmt[0].length) : decoded[last];
    const segments = [...decoded.slice(0, last), tail].map((seg) => tildeEncode(seg));
    const target = segments.join("/") + (fmt ? fmt[0] : "");
    if (target !== req.path) return redirect(almanac.path(target) + qs);
  }
  if (req.path.length > 1 && req.path.endsWith("/")) return redirect(almanac.path(req.path.replace(/\/+$/, "")) + qs);
  return null;
}

/**
 * Headers every reply gets. Caching: a reply for a signed-in actor (or one that sets a cookie, or answers a
 * request that carried credentials) is `private, no-store` unless its route marked it `public` (static
 * assets); other replies vary on the credentials, so a shared cache never serves one actor's page to another.
 */
function finish(almanac: Almanac, req: AlmanacRequest, reply: Reply): Reply {
  const h = reply.headers;
  h["x-content-type-options"] = "nosniff";
  h["referrer-policy"] ??= "same-origin";
  const setsCookie = (reply.cookies?.length ?? 0) > 0 || h["set-cookie"] !== undefined;
  const personal = req.actor !== null || req.header("authorization") !== undefined || setsCookie;
  if (!/\bpublic\b/.test(h["cache-control"] ?? "")) {
    if (personal) h["cache-control"] = "private, no-store";
    else h.vary = h.vary ? `${h.vary}, Cookie, Authorization` : "Cookie, Authorization";
  }
  if (almanac.options.cors) Object.assign(h, CORS_HEADERS);
  return reply;
}

/** Run one request through the plugins' middleware, routing and the error boundary. Never throws. */
export async function dispatch(almanac: Almanac, req: AlmanacRequest, actor: Actor = null): Promise<Reply> {
  // `serve --get --actor` hands an actor in; otherwise the actor sources decide (inside the middleware).
  req.actor = actor;
  let reply: Reply;
  try {
    reply = await handlerFor(almanac)(req);
    const problem = replyProblem(reply);
    if (problem) throw new Error(`the middleware returned a bad reply: ${problem}`);
  } catch (err) {
    // Only middleware failures arrive here: `handle` has its own error boundary.
    reply = await errorFor(almanac, req, err);
  }
  return finish(almanac, req, reply);
}

const handlers = new WeakMap<Almanac, (req: AlmanacRequest) => Promise<Reply>>();

/** The request handler inside every plugin's middleware, composed once per instance. */
function handlerFor(almanac: Almanac): (req: AlmanacRequest) => Promise<Reply> {
  let handler = handlers.get(almanac);
  if (!handler) {
    handler = almanac.plugins.wrap((req) => handle(almanac, req));
    handlers.set(almanac, handler);
  }
  return handler;
}

/** Who is asking (plugins' actor_from_request, first answer wins), routing, and the error boundary. */
async function handle(almanac: Almanac, req: AlmanacRequest): Promise<Reply> {
  let reply: Reply;
  try {
    const base = almanac.baseUrl;
    // Paths under base_url are routed without the prefix; paths without it still route (Datasette does the same).
    if (base !== "/" && (req.path + "/").startsWith(base)) req.path = "/" + req.path.slice(base.length);
    const crossSite = csrfProblem(req);
    if (req.method === "OPTIONS") {
      reply = text("ok", 200);
    } else if (crossSite) {
      reply = await errorReply(almanac, req, new HttpError(403, `Cross-site request refused (${crossSite}): forms on this site must be sent from this site`));
    } else {
      if (req.actor !== null) req.actorSource = "given";
      else [req.actor, req.actorSource] = builtinActor(almanac, req);
      if (req.actor === null && almanac.plugins.implements("actor_from_request")) {
        const actor = await almanac.plugins.firstAnswer("actor_from_request", { almanac, request: req });
        if (actor && (typeof actor.value !== "object" || Array.isArray(actor.value))) {
          throw new PluginError(actor.plugin, "actor_from_request", new Error("an actor must be an object or null"));
        }
        req.actor = actor?.value ?? null;
        if (actor) req.actorSource = "plugin";
      }
      const preparing = almanac.permissions.prepare(almanac.plugins, req.actor);
      if (preparing) await preparing;
      const match = matchRoute(req.path, almanac);
      // Percent-encoded names are redirected to their tilde form (except files under --static mounts).
      const fallback = !match || (match.route.name !== "static-mount" && req.path.includes("%")) ? fallThroughRedirect(almanac, req) : null;
      if (fallback) return fallback;
      // Where the answer would be a 404, a custom page (templates/pages/…) may answer instead.
      reply = await orCustomPage(almanac, req, async () => {
        if (!match) throw new HttpError(404, "Not found");
        if (!match.route.methods.includes(req.method === "HEAD" ? "GET" : req.method)) {
          throw new HttpError(405, "Method not allowed");
        }
        req.params = match.params;
        return match.route.handler(req, almanac);
      });
    }
  } catch (err) {
    reply = await errorFor(almanac, req, err);
  }
  return withMessageCookie(almanac, req, reply);
}

/**
 * The answer for an error: a plugin's handle_exception (or, for a 403, its forbidden) first, then the
 * default — the HttpError's status and messages, a query failure as a 400, anything else a logged 500.
 */
async function errorFor(almanac: Almanac, req: AlmanacRequest, err: unknown): Promise<Reply> {
  const fromPlugin = await pluginErrorReply(almanac, req, err);
  if (fromPlugin) return fromPlugin;
  if (err instanceof HttpError) return errorReply(almanac, req, err);
  if (err instanceof QueryError && err.failure.kind !== "internal") {
    // A query failure that a page let escape (e.g. a count running beside the main query): still the
    // client's bad input or time limit, so a 400 with SQLite's message, never a 500.
    return errorReply(almanac, req, new HttpError(400, err.failure.kind === "timeout" ? TIME_LIMIT_MESSAGE : err.failure.message));
  }
  const detail = err instanceof PluginError ? err.message + (err.cause instanceof Error && err.cause.stack ? `\n${err.cause.stack}` : "") : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`almanac: error handling ${req.method} ${req.path}: ${detail}\n`);
  return errorReply(almanac, req, new HttpError(500, "Internal server error"));
}

/** handle_exception, then forbidden for a 403. A hook that fails here is logged and the default answer used. */
async function pluginErrorReply(almanac: Almanac, req: AlmanacRequest, err: unknown): Promise<Reply | null> {
  const plugins = almanac.plugins;
  const forbidden = err instanceof HttpError && err.status === 403;
  if (!plugins.implements(forbidden ? ["handle_exception", "forbidden"] : ["handle_exception"])) return null;
  const ask = async (hook: "handle_exception" | "forbidden"): Promise<Reply | null> => {
    try {
      const answer =
        hook === "handle_exception"
          ? await plugins.firstAnswer("handle_exception", { almanac, request: req, exception: err })
          : await plugins.firstAnswer("forbidden", { almanac, request: req, message: (err as HttpError).messages.join("; ") });
      if (!answer) return null;
      const problem = replyProblem(answer.value);
      if (problem) throw new PluginError(answer.plugin, hook, new Error(`returned a bad reply: ${problem}`));
      return { ...answer.value, headers: { ...(answer.value.headers ?? {}) } };
    } catch (hookError) {
      process.stderr.write(`almanac: ${(hookError as Error).message}\n`);
      return null;
    }
  };
  return (await ask("handle_exception")) ?? (forbidden ? await ask("forbidden") : null);
}

function buildRequest(
  almanac: Almanac,
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  encrypted: boolean,
  readBody?: (limit: number) => Promise<Buffer>,
  remoteAddress?: string,
): AlmanacRequest {
  const q = url.indexOf("?");
  const rawPath = q === -1 ? url : url.slice(0, q);
  const queryString = q === -1 ? "" : url.slice(q + 1);
  const scheme = encrypted || almanac.settings.force_https_urls ? "https" : "http";
  return new AlmanacRequest({ method, rawPath: rawPath || "/", queryString, headers, scheme, readBody, remoteAddress });
}

function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body is larger than ${limit} bytes`);
}

/** Reads a request body up to `limit` bytes (0 = no limit); past it, a 413 and the rest is discarded. */
function bodyReader(incoming: IncomingMessage): (limit: number) => Promise<Buffer> {
  return (limit) =>
    new Promise((resolve, reject) => {
      const declared = Number(incoming.headers["content-length"] ?? NaN);
      if (limit > 0 && declared > limit) {
        incoming.resume();
        reject(bodyTooLarge(limit));
        return;
      }
      const parts: Buffer[] = [];
      let size = 0;
      incoming.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (limit > 0 && size > limit) {
          incoming.removeAllListeners("data");
          incoming.resume();
          reject(bodyTooLarge(limit));
          return;
        }
        parts.push(chunk);
      });
      incoming.on("end", () => resolve(Buffer.concat(parts)));
      incoming.on("error", reject);
    });
}

function send(res: ServerResponse, reply: Reply, head: boolean): void {
  if (isStreamed(reply.body)) {
    sendStreamed(res, reply, reply.body, head);
    return;
  }
  // Strings go out as they are: Node then writes head and body in one syscall (a Buffer costs a writev).
  const length = typeof reply.body === "string" ? Buffer.byteLength(reply.body) : reply.body.length;
  reply.headers["content-length"] = String(length);
  res.writeHead(reply.status, outgoingHeaders(reply));
  res.end(head ? undefined : reply.body);
}

/** The headers as Node sends them: each cookie its own `Set-Cookie` line. */
function outgoingHeaders(reply: Reply): OutgoingHttpHeaders {
  return reply.cookies?.length ? { ...reply.headers, "set-cookie": replyCookies(reply) } : reply.headers;
}

/**
 * Write a streamed body with back-pressure: wait for 'drain' whenever the socket's buffer is full. If the
 * client goes away first, stop and call the iterator's return(), which cancels the query. HEAD never starts it.
 */
function sendStreamed(res: ServerResponse, reply: Reply, body: StreamedBody, head: boolean): void {
  delete reply.headers["content-length"];
  let gone = res.destroyed || !res.socket || res.socket.destroyed;
  let wake: (() => void) | null = null;
  const onClose = () => {
    if (!res.writableFinished) gone = true;
    wake?.();
  };
  const stop = () => void body.return?.(undefined)?.catch(() => undefined);
  if (head || gone) {
    stop();
    if (!gone) {
      res.writeHead(reply.status, outgoingHeaders(reply));
      res.end();
    }
    return;
  }
  res.on("close", onClose);
  res.writeHead(reply.status, outgoingHeaders(reply));
  void (async () => {
    try {
      for (;;) {
        const item = await body.next();
        if (item.done || gone) break;
        if (!res.write(item.value)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done);
              wake = null;
              resolve();
            };
            wake = done;
            res.on("drain", done);
          });
        }
        if (gone) break;
      }
      if (gone) stop();
      else res.end();
    } catch (err) {
      process.stderr.write(`almanac: streamed response failed: ${(err as Error)?.message ?? String(err)}\n`);
      stop();
      res.destroy();
    } finally {
      res.off("close", onClose);
    }
  })();
}

export interface HttpServer {
  listen(host: string, port: number): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export function createHttpServer(almanac: Almanac): HttpServer {
  const server = createServer((incoming: IncomingMessage, res: ServerResponse) => {
    const method = incoming.method ?? "GET";
    const withBody = method !== "GET" && method !== "HEAD";
    const req = buildRequest(almanac, method, incoming.url ?? "/", incoming.headers, "encrypted" in incoming.socket, withBody ? bodyReader(incoming) : undefined, incoming.socket.remoteAddress);
    // GET/HEAD bodies are ignored; drain anything sent so the connection stays usable. Other bodies are read
    // when a page asks for them, and drained after the reply when it did not.
    if (!withBody) incoming.resume();
    dispatch(almanac, req).then(
      (reply) => {
        if (withBody && !incoming.readableEnded && incoming.listenerCount("data") === 0) incoming.resume();
        send(res, reply, req.method === "HEAD");
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
  server.keepAliveTimeout = 5000;
  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const addr = server.address() as AddressInfo;
          const shownHost = host.includes(":") ? `[${host}]` : host;
          resolve({ url: `http://${shownHost}:${addr.port}${almanac.baseUrl}`, port: addr.port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Answer a request without a socket (`serve --get`, tests). */
export async function handleInProcess(
  almanac: Almanac,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const headers: IncomingHttpHeaders = { host: "localhost", ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) };
  // `serve --get --actor JSON` hands the actor over in this header; it is honoured only here, never from the network.
  let actor: Actor = null;
  const given = headers["x-almanac-get-actor"];
  if (typeof given === "string") {
    delete headers["x-almanac-get-actor"];
    try {
      actor = JSON.parse(given) as Actor;
    } catch {
      throw new Error("--actor must be a JSON object");
    }
  }
  const sent = init.body === undefined ? undefined : Buffer.from(init.body);
  const readBody = sent
    ? async (limit: number) => {
        if (limit > 0 && sent.length > limit) throw bodyTooLarge(limit);
        return sent;
      }
    : undefined;
  const req = buildRequest(almanac, init.method ?? "GET", path, headers, false, readBody, "127.0.0.1");
  const reply = await dispatch(almanac, req, actor);
  // Without a socket there is one string per header: cookies go one per line.
  if (reply.cookies?.length) reply.headers = { ...reply.headers, "set-cookie": replyCookies(reply).join("\n") };
  if (isStreamed(reply.body)) {
    // Collected whole (`serve --get`, tests); a HEAD cancels the export at once.
    const stream = reply.body;
    if (req.method === "HEAD") {
      await stream.return?.(undefined);
      return { status: reply.status, headers: reply.headers, body: Buffer.alloc(0) };
    }
    const parts: Buffer[] = [];
    for await (const piece of stream) parts.push(typeof piece === "string" ? Buffer.from(piece) : piece);
    return { status: reply.status, headers: reply.headers, body: Buffer.concat(parts) };
  }
  const body = typeof reply.body === "string" ? Buffer.from(reply.body) : reply.body;
  return { status: reply.status, headers: reply.headers, body: req.method === "HEAD" ? Buffer.alloc(0) : body };
}
