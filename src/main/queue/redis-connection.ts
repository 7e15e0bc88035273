/**
 * Redis for queue mode: `--queue redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS).
 * ioredis parses the URL itself (BullMQ passes `connection.url` to it); here it is only checked
 * early, so a wrong URL is a usage error before anything connects. BullMQ needs
 * maxRetriesPerRequest: null. The first connection fails fast when Redis is down.
 */
import type { Redis } from 'ioredis';
import { TaskAgentError } from '../../shared/errors.js';

/** BullMQ connection options: ioredis parses `url` (host, port, credentials, db, TLS for rediss://). */
export interface QueueConnection {
  url: string;
  maxRetriesPerRequest: null;
}

/** The URL's scheme and database are checked here; everything else is ioredis's to read. */
export function queueConnection(url: string): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TaskAgentError('TA_CFG_INVALID', '--queue is not a URL', {
      hint: 'use redis://host:port (optionally redis://:password@host:port/db, or rediss:// for TLS)',
    });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new TaskAgentError('TA_CFG_INVALID', `--queue must be a redis:// or rediss:// URL, got ${u.protocol}`, {
      hint: 'use redis://host:port',
    });
  if (!/^\/?(\d+)?$/.test(u.pathname))
    throw new TaskAgentError('TA_CFG_INVALID', '--queue database must be a number (redis://host:port/0)');
  return { url, maxRetriesPerRequest: null };
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
  const redis = new Redis(queueConnection(url).url, {
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return redis;
  } catch (cause) {
    redis.disconnect();
    throw new TaskAgentError('TA_QUEUE_UNREACHABLE', `the queue at ${redactRedisUrl(url)} cannot be reached`, {
      cause,
      hint: 'start redis-server, or check --queue',
    });
  }
}
