/**
 * Secrets out of messages: signed URLs carry their credentials in the query string, so URLs are
 * printed without it, and server messages (which may quote signed URLs) are scrubbed the same way.
 */

/** A URL without query string or fragment (signed URLs carry their credentials there). */
export function redactUrl(url: string | URL): string {
  const s = String(url);
  const cut = s.search(/[?#]/);
  return cut < 0 ? s : `${s.slice(0, cut)}?…`;
}

/** Scrubs query strings from every URL inside free text (server messages may quote signed URLs). */
export function redactText(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"'<>]+)[?#][^\s"'<>]*/g, '$1?…');
}
