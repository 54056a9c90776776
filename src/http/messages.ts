/**
 * @module Flash messages (Datasette's `add_message`): kept in the signed `ds_messages` cookie (namespace
 * "messages", value `[[text, type], …]`), shown once by the next HTML page and then cleared. Pages and plugins
 * call `addMessage`; the layout calls `takeMessages`; the server writes the cookie back if either changed it.
 */
import type { Almanac } from "../app.js";
import { BadSignature, signerFor } from "../auth/signer.js";
import { readCookies, setCookie } from "./cookies.js";
import type { AlmanacRequest } from "./request.js";
import { addCookie, replyCookies, type Reply } from "./response.js";

export const INFO = 1;
export const WARNING = 2;
export const ERROR = 3;
export type MessageType = typeof INFO | typeof WARNING | typeof ERROR;

export const MESSAGES_COOKIE = "ds_messages";
const NAMESPACE = "messages";
/** Browsers drop cookies over 4 KB; the newest messages are the ones worth keeping. */
const MAX_MESSAGES = 10;
const MAX_MESSAGE_LENGTH = 500;

const CLASS_NAMES: Record<MessageType, string> = { [INFO]: "info", [WARNING]: "warning", [ERROR]: "error" };

interface MessageState {
  messages: [string, MessageType][];
  changed: boolean;
}

const states = new WeakMap<AlmanacRequest, MessageState>();

function isMessageType(value: unknown): value is MessageType {
  return value === INFO || value === WARNING || value === ERROR;
}

/** The messages the request arrived with; a cookie that is unsigned, forged or malformed counts as none. */
function state(almanac: Almanac, req: AlmanacRequest): MessageState {
  let s = states.get(req);
  if (s) return s;
  s = { messages: [], changed: false };
  const cookie = readCookies(req).get(MESSAGES_COOKIE);
  if (cookie) {
    try {
      const value = signerFor(almanac).unsign(cookie, NAMESPACE);
      if (Array.isArray(value)) {
        for (const item of value) {
          if (Array.isArray(item) && typeof item[0] === "string" && isMessageType(item[1])) s.messages.push([item[0], item[1]]);
        }
      }
    } catch (err) {
      if (!(err instanceof BadSignature)) throw err;
    }
    // A cookie we could not use is cleared rather than sent back on every request.
    if (s.messages.length === 0) s.changed = true;
  }
  states.set(req, s);
  return s;
}

/** Queue a message for the next HTML page this browser loads (Datasette's `datasette.add_message`). */
export function addMessage(almanac: Almanac, req: AlmanacRequest, message: string, type: MessageType = INFO): void {
  const s = state(almanac, req);
  s.messages.push([message.slice(0, MAX_MESSAGE_LENGTH), type]);
  if (s.messages.length > MAX_MESSAGES) s.messages.splice(0, s.messages.length - MAX_MESSAGES);
  s.changed = true;
}

/**
 * The queued messages for the layout, which shows them once: they are cleared unless the request is a HEAD
 * or a sub-resource (an image or script that 404s must not swallow the messages meant for the page).
 */
export function takeMessages(almanac: Almanac, req: AlmanacRequest): { text: string; type: string }[] {
  const dest = req.header("sec-fetch-dest");
  if (req.method === "HEAD" || (dest && dest !== "document" && dest !== "iframe")) return [];
  const s = state(almanac, req);
  if (s.messages.length === 0) return [];
  const shown = s.messages.map(([text, type]) => ({ text, type: CLASS_NAMES[type] }));
  s.messages = [];
  s.changed = true;
  return shown;
}

/** Write the cookie back if the request added or showed messages (called once per response by the server). */
export function withMessageCookie(almanac: Almanac, req: AlmanacRequest, reply: Reply): Reply {
  const s = states.get(req);
  if (!s?.changed || replyCookies(reply).some((c) => c.startsWith(`${MESSAGES_COOKIE}=`))) return reply;
  return addCookie(
    reply,
    s.messages.length === 0
      ? setCookie(MESSAGES_COOKIE, "", { expire: true, httpOnly: true })
      : setCookie(MESSAGES_COOKIE, signerFor(almanac).sign(s.messages, NAMESPACE), { httpOnly: true }),
  );
}
