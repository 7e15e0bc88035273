/**
 * What route handlers share: the project the request addresses (v1 ResourceID, v2 path), every
 * served project (storage items and ontologies are looked up across them, as Encord's are
 * global), the URL signer and the public base URL.
 */
import type { LocalProject } from '../local/local-project.js';
import type { StorageItem } from '../../shared/types.js';
import type { UrlSigner } from './signed-urls.js';

export interface ApiContext {
  project: LocalProject;
  /** Every served project by projectHash (the first one is the default). */
  projects: ReadonlyMap<string, LocalProject>;
  signer: UrlSigner;
  /** `http://host:port` as the client addressed us (signed URLs point back here). */
  baseUrl: string;
  /** Tasks per page of `…/tasks` (server-defined on Encord). */
  pageSize: number;
}

/** True for a media path relative to DIR/media (not already a URL). */
export function isRelativeMedia(link: unknown): link is string {
  return typeof link === 'string' && link !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(link);
}

/** A signed URL for a media path of `project` (the project's hash leads the signed path). */
export function signMedia(ctx: ApiContext, project: LocalProject, relPath: string): string {
  return ctx.signer.sign(ctx.baseUrl, `${project.info.projectHash}/${relPath}`);
}

/** The item with `signedUrl` replaced by a fresh signed URL (or null when not asked/no file). */
export function withSignedUrl(ctx: ApiContext, project: LocalProject, item: StorageItem, sign: boolean): StorageItem {
  return { ...item, signedUrl: sign && isRelativeMedia(item.url) ? signMedia(ctx, project, item.url) : null };
}

/** Storage items by uuid across the served projects, with the project holding each. */
export function findStorageItems(ctx: ApiContext, uuids: string[]): Array<{ item: StorageItem; project: LocalProject }> {
  const out: Array<{ item: StorageItem; project: LocalProject }> = [];
  for (const uuid of uuids) {
    for (const project of ctx.projects.values()) {
      const [item] = project.getStorageItems([uuid]);
      if (item) {
        out.push({ item, project });
        break;
      }
    }
  }
  return out;
}
