import type { ComponentBundle, ResolvedConfig, ServiceSnapshot, Subject } from "../runtime/resolve";
import type { EventBatcherOptions, OutcomeEventBatcher } from "./events";

/** The SDK client's options and public shape (implemented in ./client). */

/** What to serve when Changegate could not be reached since start (e.g. a bundle shipped with the service). */
export interface FallbackBundle {
  /** Reported as the release id of fallback answers; default "fallback". */
  releaseId?: string;
  components: ComponentBundle;
}

export interface ChangegateClientOptions {
  /** Changegate's URL, e.g. https://changegate.example.com (a path prefix is kept). */
  baseUrl: string;
  /** The service's slug, e.g. "support-assistant". */
  service: string;
  /** The service's API token (read scope; write scope too for outcome events). */
  token: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  fallbackBundle?: FallbackBundle;
  /** How often to poll the snapshot while the stream is down (or off). Default 5000. */
  pollIntervalMs?: number;
  /** Follow the stream (default); false polls only. */
  stream?: boolean;
  /** Every failure, as it happens (default: a console warning, each distinct message at most once a minute). */
  onError?: (error: Error) => void;
  /** How long ready() keeps retrying a failing first load before giving up. Default 3000. */
  readyTimeoutMs?: number;
  /** Timeout of one snapshot request (and of connecting the stream). Default 5000. */
  requestTimeoutMs?: number;
  /** A stream silent this long is considered dead (the server sends a heartbeat every 15 s). Default 45000. */
  streamIdleTimeoutMs?: number;
  /** Longest wait between stream reconnection attempts. Default 30000. */
  maxReconnectDelayMs?: number;
  /** Outcome-event batching (see ./events). */
  events?: EventBatcherOptions;
}

export interface ClientHealth {
  /**
   * live: holds a snapshot and the stream is connected or the latest finished poll was answered; stale:
   * holds one but cannot reach Changegate (serving the last known good); fallback: serving the
   * fallback bundle; unavailable: nothing to serve.
   */
  state: "live" | "stale" | "fallback" | "unavailable";
  pointerRevision: number | null;
  streamConnected: boolean;
  /** When Changegate last answered (a snapshot, a 304, a stream event or heartbeat). */
  lastContactAt: string | null;
  lastError: string | null;
}

export type ChangeListener = (snapshot: ServiceSnapshot, previous: ServiceSnapshot | null) => void;

export interface ChangegateClient {
  /** Resolves once a snapshot is held (or, when the first load failed, the fallback bundle is served); else rejects with ChangegateUnavailableError. */
  ready(): Promise<void>;
  /** The release and component versions for this request, evaluated locally. Throws ChangegateUnavailableError only on a cold start with nothing to serve. */
  resolve(who: Subject): ResolvedConfig;
  /** Called after each new snapshot; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /** The snapshot held now (null before the first one). */
  snapshot(): ServiceSnapshot | null;
  health(): ClientHealth;
  events: OutcomeEventBatcher;
  /** Stops the stream and polling, and sends the queued outcome events (for at most 2 s). */
  close(): Promise<void>;
}
