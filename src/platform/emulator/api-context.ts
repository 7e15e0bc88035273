/** What route handlers share: the served project, the URL signer and the public base URL. */
import type { LocalProject } from '../local/local-project.js';
import type { StorageItem } from '../../shared/types.js';
import type { UrlSigner } from './signed-urls.js';

export interface ApiContext {
  project: LocalProject;
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

/** The item with `signedUrl` replaced by a fresh signed URL (or null when not asked/no file). */
export function withSignedUrl(ctx: ApiContext, item: StorageItem, sign: boolean): StorageItem {
  return { ...item, signedUrl: sign && isRelativeMedia(item.url) ? ctx.signer.sign(ctx.baseUrl, item.url) : null };
}
