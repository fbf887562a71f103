import { unrefTimeout } from "./backoff";
import { ChangegateRequestError, networkErrorOf, requestErrorOf } from "./errors";
import { SseParser } from "./sse";

/**
 * One connection to a service's /stream: connect (with Last-Event-ID), read Server-Sent Events
 * until the stream breaks, ends or falls silent. Always ends by throwing the reason, unless
 * `signal` aborted it (the client closed). The caller reconnects.
 */

export interface StreamConnection {
  fetch: typeof fetch;
  url: string;
  /** e.g. "The support-assistant stream", for messages. */
  what: string;
  authorization: string;
  /** The revision the client holds: the server resends nothing older. */
  lastEventId: string | null;
  connectTimeoutMs: number;
  /** No bytes (events or heartbeats) for this long means the connection is dead. */
  idleTimeoutMs: number;
  /** Aborts the connection for good (client closed). */
  signal: AbortSignal;
  onOpen: () => void;
  /** Any bytes arrived: Changegate is alive. */
  onActivity: () => void;
  /** A `snapshot` event's data (unparsed) and its id. */
  onSnapshot: (data: string, id: string) => void;
  onRetry: (ms: number) => void;
}

export async function readSnapshotStream(c: StreamConnection): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  c.signal.addEventListener("abort", stop);
  let watchdog: ReturnType<typeof setTimeout> | null = null;
  const arm = (ms: number, reason: string) => {
    if (watchdog) clearTimeout(watchdog);
    watchdog = unrefTimeout(() => abort.abort(new Error(reason)), ms);
  };
  try {
    const headers: Record<string, string> = { authorization: c.authorization, accept: "text/event-stream", "cache-control": "no-cache" };
    if (c.lastEventId !== null) headers["last-event-id"] = c.lastEventId;
    arm(c.connectTimeoutMs, `no answer within ${c.connectTimeoutMs} ms`);
    let response: Response;
    try {
      response = await c.fetch(c.url, { headers, signal: abort.signal });
    } catch (err) {
      throw networkErrorOf(abort.signal.reason ?? err, `${c.what} could not connect`, c.url);
    }
    if (!response.ok) throw await requestErrorOf(response, `${c.what} was refused`);
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("text/event-stream") || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new ChangegateRequestError(`${c.what} answered ${type || "no content type"}, not text/event-stream; polling instead.`, { status: response.status });
    }
    c.onOpen();

    const parser = new SseParser({
      onMessage: (message) => {
        if (message.event === "snapshot") c.onSnapshot(message.data, message.lastEventId);
      },
      onRetry: c.onRetry,
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        arm(c.idleTimeoutMs, `silent for ${c.idleTimeoutMs} ms`);
        const { done, value } = await reader.read();
        if (done) break;
        c.onActivity();
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch (err) {
      if (!c.signal.aborted) throw networkErrorOf(abort.signal.reason ?? err, `${c.what} broke`, c.url);
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (!c.signal.aborted) throw new ChangegateRequestError(`${c.what} was closed by the server; reconnecting.`);
  } finally {
    if (watchdog) clearTimeout(watchdog);
    c.signal.removeEventListener("abort", stop);
  }
}
