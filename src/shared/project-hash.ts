/** Project hashes (Encord project UUIDs), as `--project`, twin projects and clients name them. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` has the shape of a project hash (a UUID). */
export function isProjectHash(s: string): boolean {
  return UUID_RE.test(s);
}
