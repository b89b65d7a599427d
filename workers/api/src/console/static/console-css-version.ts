import { CONSOLE_CSS } from "./console-css";

/** FNV-1a of the stylesheet: its URL changes when it does, so it can be cached for a year. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

export const CONSOLE_CSS_VERSION = fnv1a(CONSOLE_CSS);
