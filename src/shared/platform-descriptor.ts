/**
 * How a worker thread re-creates its own handle on the platform (workers cannot share the main
 * thread's sockets or database handle). Plain data: it crosses the thread boundary.
 */
export type PlatformDescriptor = { kind: 'local'; dir: string } | { kind: 'encord'; projectHash: string; domain: string; keyText: string };
