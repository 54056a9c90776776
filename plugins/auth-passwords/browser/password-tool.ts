/**
 * The password hash tool (/-/password-tool) in the browser: PBKDF2-HMAC-SHA256 through WebCrypto, written
 * in datasette-auth-passwords' format — byte for byte what the server's hashPassword makes — so the password
 * never leaves the page. Where WebCrypto is missing (plain http on a host other than localhost) or fails,
 * the form posts to the server, which hashes it instead.
 */

/** New hashes' iteration count (the server's DEFAULT_ITERATIONS). */
export const ITERATIONS = 480_000;

/** 32 random lowercase hex characters: the salt is this text, its UTF-8 bytes the PBKDF2 salt. */
export function randomSalt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`. */
export async function hashPassword(password: string, salt: string = randomSalt(), iterations: number = ITERATIONS): Promise<string> {
  if (salt.includes("$")) throw new Error("a salt must not contain $");
  const utf8 = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: utf8.encode(salt), iterations }, key, 256);
  return `pbkdf2_sha256$${iterations}$${salt}$${base64(new Uint8Array(bits))}`;
}

function byId<T extends HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

function setup(): void {
  const form = byId<HTMLFormElement>("password-tool");
  const input = byId<HTMLInputElement>("tool-password");
  const status = byId<HTMLElement>("tool-status");
  const result = byId<HTMLElement>("tool-result");
  const output = byId<HTMLInputElement>("tool-hash");
  const snippet = byId<HTMLElement>("tool-snippet-hash");
  const copy = byId<HTMLButtonElement>("tool-copy");
  if (!form || !input || !status || !result || !output || !snippet || !copy) return;
  if (navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(output.value).then(
        () => (status.textContent = "Hash copied."),
        () => (status.textContent = "Could not copy: select the hash and copy it yourself."),
      );
    });
  }
  // Without WebCrypto the form is left alone: it posts to the server.
  if (!globalThis.crypto?.subtle) return;
  const where = byId<HTMLElement>("tool-where");
  if (where) where.textContent = "Your browser computes the hash: the password never leaves this page.";
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = input.value;
    if (!password) {
      status.textContent = "Type a password to hash.";
      input.focus();
      return;
    }
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    status.textContent = "Hashing…";
    try {
      const hash = await hashPassword(password);
      byId("tool-error")?.remove();
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      input.value = "";
      output.value = hash;
      snippet.textContent = hash;
      result.hidden = false;
      result.dataset.hashedIn = "browser";
      status.textContent = "Hashed in your browser: the password was not sent anywhere.";
    } catch {
      // The browser could not do it after all: let the server.
      status.textContent = "Your browser could not compute the hash; sending it to the server…";
      form.submit();
    } finally {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}

setup();
