/**
 * @module `/-/messages`: Datasette's flash-message debug page. The form adds a message (or one of each type)
 * and redirects home, where it shows once. The server does not read POST bodies yet, so the form submits
 * with GET; because that changes state, it is honoured only for requests from this site's own pages
 * (Sec-Fetch-Site, else Origin, else Referer), so another site cannot plant messages with a link.
 */
import type { Almanac } from "../app.js";
import { BadRequest, Forbidden } from "../http/errors.js";
import { addMessage, ERROR, INFO, WARNING, type MessageType } from "../http/messages.js";
import type { AlmanacRequest } from "../http/request.js";
import { redirect, type Reply } from "../http/response.js";
import { renderPage, urlsFor } from "../render/html.js";
import { ensure } from "./common.js";

const TYPES: Record<string, MessageType[]> = { INFO: [INFO], WARNING: [WARNING], ERROR: [ERROR], all: [INFO, WARNING, ERROR] };

/** scheme://host:port of a URL (default ports dropped), or null. */
function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Whether a state-changing request comes from this site's pages. Browsers send Sec-Fetch-Site on every
 * request; older ones send Origin on cross-site form posts and usually a Referer; a client sending none is
 * not a browser acting for someone else.
 */
export function isSameOriginRequest(req: AlmanacRequest): boolean {
  const site = req.header("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  const own = originOf(`${req.scheme}://${req.host}`);
  const origin = req.header("origin");
  if (origin) return originOf(origin) === own;
  const referer = req.header("referer");
  if (referer) return originOf(referer) === own;
  return true;
}

export async function messagesDebugPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  const message = req.arg("message");
  const typeName = req.arg("message_type");
  // A HEAD never changes anything: it gets the form's headers.
  if ((message === undefined && typeName === undefined) || req.method === "HEAD") {
    return renderPage(almanac, req, {
      templates: ["messages_debug.html"],
      context: { title: "Debug messages", action: almanac.path("/-/messages"), types: Object.keys(TYPES) },
      bodyClass: "messages-debug",
    });
  }
  if (!isSameOriginRequest(req)) throw new Forbidden("Messages can only be added from this site's own pages");
  const types = TYPES[typeName || "INFO"];
  if (!types) throw new BadRequest(`message_type must be one of ${Object.keys(TYPES).join(", ")}`);
  if (!message?.trim()) {
    addMessage(almanac, req, "Type a message to add", ERROR);
    return redirect(almanac.path("/-/messages"));
  }
  for (const type of types) addMessage(almanac, req, message, type);
  return redirect(urlsFor(almanac).instance());
}
