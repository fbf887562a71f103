import "server-only";
import type { Client } from "pg";
import type { DbHandle } from "@/db/client";
import { POINTER_CHANNEL } from "./notify";

/**
 * Hears pointer changes (`notifyPointerChanged`) as they commit. On PostgreSQL: a dedicated
 * connection, outside the pool, running LISTEN — every app instance holds one, so a rollback on
 * one instance reaches all of them. It reconnects with backoff when the connection drops, and
 * says so, because notifications sent while it was away are lost (the cache then reloads
 * everything). On PGlite the database lives in this process: its own listen() is enough.
 */

export interface PointerEvents {
  /** A commit changed this service's pointer. */
  onChange: (serviceId: string) => void;
  /** LISTEN is active (first time, or again after a drop: changes may have been missed). */
  onConnected: () => void;
  /** LISTEN is no longer active; changes are not heard until onConnected. */
  onDisconnected: (reason: string) => void;
}

export interface PointerListener {
  stop: () => Promise<void>;
}

export interface PgListenerOptions {
  /** How often the idle connection is checked; a half-open TCP connection is otherwise silent for hours. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/** The application_name of the LISTEN connection, as pg_stat_activity shows it. */
export const LISTENER_APPLICATION_NAME = "changegate-pointer-listener";

export function listenForPointerChanges(handle: DbHandle, events: PointerEvents, options: PgListenerOptions = {}): PointerListener {
  if (handle.kind === "postgres") {
    if (!handle.url) throw new Error("The PostgreSQL handle has no URL: the pointer listener needs one for its own connection.");
    const listener = new PgPointerListener(handle.url, events, options);
    listener.start();
    return listener;
  }
  if (!handle.pglite) throw new Error("The PGlite handle does not expose its instance: the pointer listener needs it.");
  return listenOnPglite(handle.pglite, events);
}

function listenOnPglite(pglite: NonNullable<DbHandle["pglite"]>, events: PointerEvents): PointerListener {
  let stopped = false;
  const unlisten = pglite
    .listen(POINTER_CHANNEL, (payload) => {
      if (!stopped && payload) events.onChange(payload);
    })
    .then((off) => {
      if (!stopped) events.onConnected();
      return off;
    });
  unlisten.catch((err: unknown) => events.onDisconnected(err instanceof Error ? err.message : String(err)));
  return {
    stop: async () => {
      stopped = true;
      // The instance may already be closed; then there is nothing left to unlisten.
      await unlisten.then((off) => off()).catch(() => undefined);
    },
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

class PgPointerListener implements PointerListener {
  private client: Client | null = null;
  private stopped = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;

  constructor(
    private readonly url: string,
    private readonly events: PointerEvents,
    options: PgListenerOptions,
  ) {
    this.pingIntervalMs = options.pingIntervalMs ?? 10_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.firstRetryMs = options.firstRetryMs ?? 100;
    this.maxRetryMs = options.maxRetryMs ?? 5_000;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const { Client } = await import("pg");
    const client = new Client({
      connectionString: this.url,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    this.client = client;
    let dropped = false;
    const drop = (reason: string) => {
      if (dropped) return;
      dropped = true;
      this.dropped(client, reason);
    };
    // An 'error' with no listener would crash the process: this one stays for the client's life.
    client.on("error", (err) => drop(err.message));
    client.on("end", () => drop("the connection ended"));
    client.on("notification", (msg) => {
      if (!dropped && msg.channel === POINTER_CHANNEL && msg.payload) this.events.onChange(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${POINTER_CHANNEL}`);
    } catch (err) {
      drop(message(err));
      return;
    }
    if (dropped) return;
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.failures = 0;
    this.pingTimer = setInterval(() => void this.ping(client, drop), this.pingIntervalMs);
    this.pingTimer.unref?.();
    this.events.onConnected();
  }

  private async ping(client: Client, drop: (reason: string) => void): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to a ping within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    try {
      await Promise.race([client.query("select 1"), timeout]);
    } catch (err) {
      drop(message(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private dropped(client: Client, reason: string): void {
    if (this.client === client) this.client = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    // Not awaited: on a dead socket end() may never finish. Destroying the socket frees it now.
    client.end().catch(() => undefined);
    (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
    if (this.stopped) return;
    this.events.onDisconnected(reason);
    const base = Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** this.failures);
    this.failures++;
    // Jitter, so instances that lost the server together do not reconnect in lockstep.
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref?.();
  }
}
