/**
 * Redis for queue mode: `--queue redis://[:password@]host[:port][/db]` → ioredis options (BullMQ
 * needs maxRetriesPerRequest: null), and a first connection that fails fast when Redis is down.
 */
import type { Redis } from 'ioredis';
import { TaskAgentError } from '../../shared/errors.js';

export interface RedisOptions {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
  maxRetriesPerRequest: null;
}

export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TaskAgentError('TA_CFG_INVALID', '--queue is not a URL', { hint: 'use redis://host:port (optionally redis://:password@host:port/db)' });
  }
  if (u.protocol !== 'redis:') throw new TaskAgentError('TA_CFG_INVALID', `--queue must be a redis:// URL, got ${u.protocol}`, { hint: 'use redis://host:port' });
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new TaskAgentError('TA_CFG_INVALID', '--queue database must be a number (redis://host:port/0)');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(db !== undefined && { db }),
    maxRetriesPerRequest: null,
  };
}

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}

/** How often a lost connection is tried again (BullMQ's default backs off to 20 s: too slow to notice a restarted Redis). */
export const RECONNECT_EVERY_MS = 500;

/**
 * One connection attempt without retries (BullMQ's own clients retry forever): a Redis client
 * ready for commands, or TA_QUEUE_UNREACHABLE within `timeoutMs`.
 */
export async function connectOnce(url: string, timeoutMs = 10_000): Promise<Redis> {
  // Imported here: the CLI parses --queue URLs for every command, but connects only in queue mode.
  const { Redis } = await import('ioredis');
  const redis = new Redis({ ...parseRedisUrl(url), lazyConnect: true, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return redis;
  } catch (cause) {
    redis.disconnect();
    throw new TaskAgentError('TA_QUEUE_UNREACHABLE', `the queue at ${redactRedisUrl(url)} cannot be reached`, { cause, hint: 'start redis-server, or check --queue' });
  }
}
