import { resolveConfig, type ResolvedConfig, type ServiceSnapshot, type Subject } from "../runtime/resolve";
import { backoffDelay, unrefTimeout } from "./backoff";
import { ChangegateRequestError, ChangegateUnavailableError, networkErrorOf, requestErrorOf } from "./errors";
import { createOutcomeEventBatcher, type OutcomeEventBatcher } from "./events";
import { isServiceSnapshot, supersedes } from "./snapshot";
import { readSnapshotStream } from "./stream";
import type { ChangeListener, ChangegateClient, ChangegateClientOptions, ClientHealth } from "./types";

export type { ChangeListener, ChangegateClient, ChangegateClientOptions, ClientHealth, FallbackBundle } from "./types";

/**
 * The Changegate client an LLM service embeds (SPEC §2, issue 4 point 5). It fetches the
 * service's snapshot once, then follows the Server-Sent Events stream, and resolves every
 * request LOCALLY with the server's own `resolveConfig` — no network per request. When the
 * stream fails it polls the snapshot with If-None-Match; when Changegate is unreachable it keeps
 * serving the last snapshot it holds. Only a cold start with nothing to serve is an error — or
 * the configured fallback bundle.
 */

const DEFAULT_SERVER_RETRY_MS = 1_000;

/** The parsed JSON, or undefined for malformed data (which accept() then refuses with a sentence). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Logs each distinct failure at most once a minute: an outage is visible without flooding the log. */
function defaultOnError(): (error: Error) => void {
  const loggedAt = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if (now - (loggedAt.get(error.message) ?? -Infinity) < 60_000) return;
    if (loggedAt.size > 100) loggedAt.clear();
    loggedAt.set(error.message, now);
    console.warn(`[changegate] ${error.message}`);
  };
}

export function createChangegateClient(options: ChangegateClientOptions): ChangegateClient {
  return new Client(options);
}

class Client implements ChangegateClient {
  readonly events: OutcomeEventBatcher;
  private readonly fetch: typeof fetch;
  private readonly snapshotUrl: string;
  private readonly streamUrl: string;
  private readonly authorization: string;
  private readonly pollIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly streamIdleTimeoutMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly reportError: (error: Error) => void;
  private readonly fallback: ResolvedConfig | null;

  private current: ServiceSnapshot | null = null;
  private lastError: Error | null = null;
  private lastContactAt: number | null = null;
  /** Whether the latest snapshot request that finished was answered (200 or 304); one in flight does not count. */
  private lastFetchOk = false;
  private streamConnected = false;
  private streamStarted = false;
  private serverRetryMs = DEFAULT_SERVER_RETRY_MS;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly listeners = new Set<ChangeListener>();
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly started: Promise<void>;

  constructor(private readonly options: ChangegateClientOptions) {
    if (!options.baseUrl) throw new TypeError("createChangegateClient needs baseUrl, e.g. https://changegate.example.com");
    if (!options.service) throw new TypeError('createChangegateClient needs the service slug, e.g. service: "support-assistant"');
    if (!options.token) throw new TypeError("createChangegateClient needs the service's API token (token: process.env.CHANGEGATE_TOKEN)");
    const userFetch = options.fetch;
    this.fetch = userFetch ?? ((input, init) => globalThis.fetch(input, init));
    const base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
    const servicePath = `api/v1/services/${encodeURIComponent(options.service)}`;
    this.snapshotUrl = new URL(`${servicePath}/snapshot`, base).toString();
    this.streamUrl = new URL(`${servicePath}/stream`, base).toString();
    this.authorization = `Bearer ${options.token}`;
    this.pollIntervalMs = Math.max(100, options.pollIntervalMs ?? 5_000);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 45_000;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 30_000;
    this.reportError = options.onError ?? defaultOnError();
    this.fallback = options.fallbackBundle
      ? Object.freeze({ releaseId: options.fallbackBundle.releaseId ?? "fallback", arm: "stable" as const, pointerRevision: 0, components: options.fallbackBundle.components })
      : null;
    this.events = createOutcomeEventBatcher(
      { baseUrl: base, service: options.service, token: options.token, fetch: this.fetch, onError: (e) => this.reportError(e) },
      options.events,
    );
    this.started = this.firstLoad().finally(() => this.schedulePoll());
  }

  // ------------------------------------------------------------------ the hot path

  resolve(who: Subject): ResolvedConfig {
    const held = this.current;
    if (held) return resolveConfig(held, who);
    if (this.fallback) return this.fallback;
    throw this.unavailable();
  }

  snapshot(): ServiceSnapshot | null {
    return this.current;
  }

  async ready(): Promise<void> {
    await this.started;
    if (this.current || this.fallback) return;
    throw this.unavailable();
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): ClientHealth {
    const state = this.current ? (this.streamConnected || this.lastFetchOk ? "live" : "stale") : this.fallback ? "fallback" : "unavailable";
    return {
      state,
      pointerRevision: this.current?.pointerRevision ?? null,
      streamConnected: this.streamConnected,
      lastContactAt: this.lastContactAt === null ? null : new Date(this.lastContactAt).toISOString(),
      lastError: this.lastError?.message ?? null,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.streamConnected = false;
    await this.events.close();
  }

  private unavailable(): ChangegateUnavailableError {
    const why = this.lastError ? ` Last error: ${this.lastError.message}` : " The first request has not been answered yet: await client.ready() first.";
    return new ChangegateUnavailableError(
      `Changegate has not delivered ${this.options.service}'s configuration and no fallbackBundle is configured, so there is nothing to serve.${why}`,
      this.lastError ?? undefined,
    );
  }

  // ------------------------------------------------------------------ snapshots

  private fail(err: unknown): void {
    if (this.closed) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.lastError = error;
    try {
      this.reportError(error);
    } catch {
      // A failing error handler must not break the client.
    }
  }

  private contact(): void {
    this.lastContactAt = Date.now();
  }

  /** Takes a snapshot from the network if it is newer than the held one; tells the listeners. */
  private accept(value: unknown, source: string): void {
    if (!isServiceSnapshot(value)) {
      throw new ChangegateRequestError(`${source} did not carry a valid snapshot; keeping the last known good one.`);
    }
    if (value.service !== this.options.service) {
      throw new ChangegateRequestError(`${source} carried the snapshot of "${value.service}", not "${this.options.service}"; ignored.`);
    }
    const previous = this.current;
    if (!supersedes(value, previous)) return;
    this.current = value;
    this.lastError = null;
    for (const listener of this.listeners) {
      try {
        listener(value, previous);
      } catch (err) {
        this.fail(err);
      }
    }
    if (!this.streamStarted && this.options.stream !== false && !this.closed) {
      this.streamStarted = true;
      void this.followStream();
    }
  }

  /**
   * GET /snapshot, with If-None-Match when a snapshot is held. `lastFetchOk` says how the last
   * poll that finished went: a poll in flight does not make a live client look stale.
   */
  private async fetchSnapshot(): Promise<void> {
    try {
      await this.requestSnapshot();
      this.lastFetchOk = true;
    } catch (err) {
      this.lastFetchOk = false;
      throw err;
    }
  }

  private async requestSnapshot(): Promise<void> {
    const headers: Record<string, string> = { authorization: this.authorization, accept: "application/json" };
    if (this.current) headers["if-none-match"] = this.current.etag;
    const what = `Could not load ${this.options.service}'s snapshot`;
    let response: Response;
    try {
      response = await this.fetch(this.snapshotUrl, {
        headers,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.requestTimeoutMs)]),
      });
    } catch (err) {
      throw networkErrorOf(err, what, this.snapshotUrl);
    }
    if (response.status === 304) {
      this.contact();
      this.lastError = null;
      return;
    }
    if (!response.ok) throw await requestErrorOf(response, what);
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      throw networkErrorOf(err, what, this.snapshotUrl);
    }
    this.contact();
    this.accept(body, `The snapshot from ${this.snapshotUrl}`);
  }

  /** The first load: transient failures are retried for up to readyTimeoutMs; 401/403/404 are final. */
  private async firstLoad(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 3_000);
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.fetchSnapshot();
        return;
      } catch (err) {
        this.fail(err);
        const delay = backoffDelay(attempt, { initialMs: 100, maxMs: 1_000 });
        const retryable = err instanceof ChangegateRequestError && err.retryable;
        if (!retryable || Date.now() + delay >= deadline) return;
        await this.sleep(delay);
      }
    }
  }

  /** Polls while there is no stream to rely on; runs until close(). */
  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = unrefTimeout(async () => {
      if (!this.streamConnected || this.options.stream === false) await this.fetchSnapshot().catch((err) => this.fail(err));
      this.schedulePoll();
    }, this.pollIntervalMs);
  }

  // ------------------------------------------------------------------ the stream

  /** Connects, reads until the stream breaks, reconnects with backoff (Last-Event-ID = held revision). */
  private async followStream(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let opened = false;
      try {
        await this.readStreamOnce(() => {
          opened = true;
        });
      } catch (err) {
        this.fail(err);
      }
      this.streamConnected = false;
      if (this.closed) return;
      failures = opened ? 0 : failures + 1;
      await this.sleep(backoffDelay(failures, { initialMs: this.serverRetryMs, maxMs: this.maxReconnectDelayMs }));
    }
  }

  private readStreamOnce(onOpen: () => void): Promise<void> {
    const what = `The ${this.options.service} stream`;
    return readSnapshotStream({
      fetch: this.fetch,
      url: this.streamUrl,
      what,
      authorization: this.authorization,
      lastEventId: this.current ? String(this.current.pointerRevision) : null,
      connectTimeoutMs: this.requestTimeoutMs,
      idleTimeoutMs: this.streamIdleTimeoutMs,
      signal: this.closing.signal,
      onOpen: () => {
        this.streamConnected = true;
        this.contact();
        onOpen();
      },
      onActivity: () => this.contact(),
      onSnapshot: (data, id) => {
        try {
          this.accept(parseJson(data), `${what}'s event ${id}`);
        } catch (err) {
          this.fail(err);
        }
      },
      onRetry: (ms) => {
        this.serverRetryMs = Math.max(100, ms);
      },
    });
  }

  /** Waits `ms`, or less when the client closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.closing.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = unrefTimeout(done, ms);
      this.closing.signal.addEventListener("abort", done);
    });
  }
}
