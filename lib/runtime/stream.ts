import "server-only";
import type { CachedSnapshot, SnapshotCache } from "./cache";

/**
 * The Server-Sent Events stream of a service's snapshot: the current one on connect (unless the
 * client's Last-Event-ID says it already holds it), then one `snapshot` event per pointer
 * change, with a heartbeat comment so proxies and clients can tell a quiet stream from a dead
 * one. Event ids are pointer revisions.
 */

export const HEARTBEAT_MS = 15_000;
/** Tells EventSource how soon to reconnect after a drop: a rollback must arrive within a second. */
export const RECONNECT_MS = 1_000;

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  // no-transform: compression middleware must not buffer the stream.
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

/** One SSE event. `data` must be a single line (JSON.stringify never emits raw newlines). */
export function sseEvent(event: string, id: string, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

export interface SnapshotStreamInput {
  cache: SnapshotCache;
  serviceSlug: string;
  /** The snapshot to start from (the caller loaded it, so a missing service was already a 404). */
  initial: CachedSnapshot;
  /** The client's Last-Event-ID (a pointer revision), when it reconnects. */
  lastEventId: string | null;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  heartbeatMs?: number;
}

export function snapshotEventStream(input: SnapshotStreamInput): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let sentEtag: string | null = null;
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const send = (cached: CachedSnapshot) => {
        if (cached.snapshot.etag === sentEtag) return;
        sentEtag = cached.snapshot.etag;
        write(sseEvent("snapshot", String(cached.snapshot.pointerRevision), cached.body));
      };

      write(`retry: ${RECONNECT_MS}\n\n`);
      const unsubscribe = input.cache.subscribe(input.serviceSlug, send);
      // A change between loading `initial` and subscribing is caught by preferring what the cache holds now.
      const current = input.cache.peek(input.serviceSlug) ?? input.initial;
      if (input.lastEventId !== null && input.lastEventId.trim() === String(current.snapshot.pointerRevision)) sentEtag = current.snapshot.etag;
      else send(current);

      const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), input.heartbeatMs ?? HEARTBEAT_MS);
      cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        input.signal.removeEventListener("abort", cleanup);
        try {
          controller.close();
        } catch {
          // Already closed or errored by the runtime.
        }
      };
      if (input.signal.aborted) cleanup();
      else input.signal.addEventListener("abort", cleanup);
    },
    cancel() {
      cleanup();
    },
  });
}
