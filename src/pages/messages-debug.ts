/**
 * @module `/-/messages`: Datasette's flash-message debug page. The form posts a message (or one of each type)
 * and the answer redirects home, where it shows once. Being a POST, it passes the server's CSRF check:
 * another site cannot plant messages.
 */
import type { Almanac } from "../app.js";
import { BadRequest } from "../http/errors.js";
import { addMessage, ERROR, INFO, WARNING, type MessageType } from "../http/messages.js";
import type { AlmanacRequest } from "../http/request.js";
import { NO_FRAMING, redirect, type Reply } from "../http/response.js";
import { renderPage, urlsFor } from "../render/html.js";
import { ensure } from "./common.js";

const TYPES: Record<string, MessageType[]> = { INFO: [INFO], WARNING: [WARNING], ERROR: [ERROR], all: [INFO, WARNING, ERROR] };

export async function messagesDebugPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  if (req.method !== "POST") {
    return renderPage(almanac, req, {
      templates: ["messages_debug.html"],
      context: { title: "Debug messages", action: almanac.path("/-/messages"), types: Object.keys(TYPES) },
      bodyClass: "messages-debug",
      headers: { ...NO_FRAMING },
    });
  }
  const form = await req.form(almanac.settings.max_post_body_bytes);
  const message = form.get("message") ?? undefined;
  const typeName = form.get("message_type") ?? undefined;
  const types = TYPES[typeName || "INFO"];
  if (!types) throw new BadRequest(`message_type must be one of ${Object.keys(TYPES).join(", ")}`);
  if (!message?.trim()) {
    addMessage(almanac, req, "Type a message to add", ERROR);
    return redirect(almanac.path("/-/messages"));
  }
  for (const type of types) addMessage(almanac, req, message, type);
  return redirect(urlsFor(almanac).instance());
}
