import "server-only";
import { getDbHandle, type Database, type DbHandle } from "@/db/client";
import { cachedSnapshotOf, type CachedSnapshot } from "./cached-snapshot";
import { errorText, RuntimeUnavailableError } from "./errors";
import { listenForPointerChanges, type PgListenerOptions, type PointerEvents, type PointerListener } from "./pointer-listener";
import type { ServiceSnapshot } from "./resolve";
import { loadServiceSnapshot } from "./snapshot";

/**
 * Per-process memory of every service's snapshot, so resolving a configuration never waits on
 * the database. A snapshot is loaded on first use and reloaded when its pointer changes (heard
 * through LISTEN, see pointer-listener.ts). If the database is down, the last known snapshot
 * keeps being served. While the listener is not connected, changes are not heard: snapshots
 * older than a second are then revalidated behind the answer (and for stream subscribers, on a
 * timer), so staleness stays bounded even then.
 */

export type { CachedSnapshot } from "./cached-snapshot";
export { RuntimeUnavailableError } from "./errors";

export type SnapshotListener = (cached: CachedSnapshot) => void;

interface Entry {
  slug: string;
  current: CachedSnapshot | null;
  loadedAt: number;
  /** False from a change notification (or a listener reconnect) until the reload lands. */
  fresh: boolean;
  inflight: Promise<void> | null;
  /** A change was announced while a load was under way: load once more after it. */
  again: boolean;
  failedAt: number;
  /** The last load failed (its error is logged once, not on every retry). */
  failing: boolean;
  subscribers: Set<SnapshotListener>;
}

export interface SnapshotCacheOptions {
  /** How long a request waits for the reload after a change before serving the last known snapshot. */
  freshWaitMs?: number;
  /** Without a listener, snapshots older than this are revalidated. */
  unheardMaxAgeMs?: number;
  /** After a failed load, how long before the next attempt. */
  retryAfterMs?: number;
  listener?: PgListenerOptions;
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly slugById = new Map<string, string>();
  private listening = false;
  private hasListened = false;
  private listener: PointerListener | null = null;
  private unheardTimer: ReturnType<typeof setInterval> | null = null;
  private readonly freshWaitMs: number;
  private readonly unheardMaxAgeMs: number;
  private readonly retryAfterMs: number;

  constructor(
    private readonly db: Database,
    private readonly options: SnapshotCacheOptions = {},
  ) {
    this.freshWaitMs = options.freshWaitMs ?? 2_000;
    this.unheardMaxAgeMs = options.unheardMaxAgeMs ?? 1_000;
    this.retryAfterMs = options.retryAfterMs ?? 500;
  }

  /** Starts hearing pointer changes on this handle's database. */
  start(handle: DbHandle): void {
    if (this.listener) return;
    const events: PointerEvents = {
      onChange: (serviceId) => this.changed(serviceId),
      onConnected: () => this.connected(),
      onDisconnected: (reason) => this.disconnected(reason),
    };
    this.listener = listenForPointerChanges(handle, events, this.options.listener);
    this.startUnheardPolling();
  }

  async stop(): Promise<void> {
    if (this.unheardTimer) clearInterval(this.unheardTimer);
    this.unheardTimer = null;
    const listener = this.listener;
    this.listener = null;
    this.listening = false;
    await listener?.stop();
    this.entries.clear();
    this.slugById.clear();
  }

  /** Whether pointer changes are being heard right now. */
  get isListening(): boolean {
    return this.listening;
  }

  /**
   * The service's snapshot, or null when it does not exist or has nothing released. From memory
   * when the cached copy is current; throws RuntimeUnavailableError only when the database
   * fails and there is no copy at all.
   */
  async getSnapshot(slug: string): Promise<CachedSnapshot | null> {
    const entry = this.entries.get(slug);
    if (entry?.current && entry.fresh) {
      if (!this.listening && Date.now() - entry.loadedAt >= this.unheardMaxAgeMs) this.revalidate(entry);
      return entry.current;
    }
    return this.getSlow(slug, entry);
  }

  /** The cached snapshot without any loading (undefined when none is held). */
  peek(slug: string): CachedSnapshot | undefined {
    return this.entries.get(slug)?.current ?? undefined;
  }

  /**
   * The cached snapshot only when it is known to be current: held, not announced as changed, and
   * pointer changes are being heard right now. Synchronous, for the runtime fast path; anything
   * less certain returns undefined and the caller takes getSnapshot's path.
   */
  peekCurrent(slug: string): CachedSnapshot | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(slug);
    return entry?.current && entry.fresh ? entry.current : undefined;
  }

  /** Calls `listener` with the new snapshot after each change of the service's pointer. */
  subscribe(slug: string, listener: SnapshotListener): () => void {
    const entry = this.entryOf(slug);
    entry.subscribers.add(listener);
    return () => {
      entry.subscribers.delete(listener);
    };
  }

  /** How many subscribers the service's stream has on this instance. */
  subscriberCount(slug: string): number {
    return this.entries.get(slug)?.subscribers.size ?? 0;
  }

  private entryOf(slug: string): Entry {
    let entry = this.entries.get(slug);
    if (!entry) {
      entry = { slug, current: null, loadedAt: 0, fresh: false, inflight: null, again: false, failedAt: 0, failing: false, subscribers: new Set() };
      this.entries.set(slug, entry);
    }
    return entry;
  }

  private async getSlow(slug: string, known: Entry | undefined): Promise<CachedSnapshot | null> {
    const entry = known ?? this.entryOf(slug);
    if (!entry.current) {
      try {
        await this.refresh(entry);
      } catch (err) {
        throw new RuntimeUnavailableError(
          `The configuration of "${slug}" cannot be read: the database is unreachable and this instance has no copy of it yet. Retry shortly.`,
          err,
        );
      }
      const current = entry.current as CachedSnapshot | null;
      // Unknown services are not remembered (a caller could otherwise fill memory with names).
      if (!current && entry.subscribers.size === 0 && !entry.inflight) this.entries.delete(slug);
      return current;
    }
    // A change was announced: wait briefly for the reload, else answer with the last known.
    if (entry.inflight || Date.now() - entry.failedAt >= this.retryAfterMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.freshWaitMs);
      });
      await Promise.race([this.refresh(entry).catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    return entry.current;
  }

  /** Loads the entry's snapshot, one load at a time, again if a change arrived meanwhile. */
  private refresh(entry: Entry): Promise<void> {
    if (entry.inflight) return entry.inflight;
    const run = async () => {
      try {
        do {
          entry.again = false;
          const snapshot = await loadServiceSnapshot(this.db, entry.slug);
          this.apply(entry, snapshot);
        } while (entry.again);
        entry.failing = false;
      } catch (err) {
        entry.failedAt = Date.now();
        if (!entry.failing) {
          console.error(`[runtime] could not load the snapshot of "${entry.slug}" (serving the last known one, if any): ${errorText(err)}`);
        }
        entry.failing = true;
        throw err;
      } finally {
        entry.inflight = null;
      }
    };
    entry.inflight = run();
    return entry.inflight;
  }

  /** Refreshes behind the answer, at most once per retry interval after a failure. */
  private revalidate(entry: Entry): void {
    if (entry.inflight || Date.now() - entry.failedAt < this.retryAfterMs) return;
    this.refresh(entry).catch(() => undefined); // logged by refresh
  }

  private apply(entry: Entry, snapshot: ServiceSnapshot | null): void {
    const previous = entry.current;
    entry.loadedAt = Date.now();
    entry.fresh = !entry.again;
    if (!snapshot) {
      entry.current = null;
      return;
    }
    this.slugById.set(snapshot.serviceId, entry.slug);
    if (previous && previous.snapshot.etag === snapshot.etag) return;
    const next = cachedSnapshotOf(snapshot);
    entry.current = next;
    for (const listener of entry.subscribers) {
      try {
        listener(next);
      } catch (err) {
        console.error(`[runtime] a snapshot subscriber of "${entry.slug}" failed`, err);
      }
    }
  }

  /** A change was announced (or may have been missed): reload now, whatever failed before. */
  private invalidate(entry: Entry): void {
    entry.fresh = false;
    if (entry.inflight) entry.again = true;
    else this.refresh(entry).catch(() => undefined); // logged by refresh
  }

  private changed(serviceId: string): void {
    const slug = this.slugById.get(serviceId);
    const entry = slug ? this.entries.get(slug) : undefined;
    if (entry) {
      this.invalidate(entry);
      return;
    }
    // A first load still under way may have read the pointer before this change.
    for (const e of this.entries.values()) if (!e.current && e.inflight) e.again = true;
  }

  private connected(): void {
    if (this.hasListened) console.log("[runtime] pointer LISTEN connection re-established; reloading every cached snapshot.");
    this.hasListened = true;
    this.listening = true;
    // Changes committed while nobody listened were not heard: every held snapshot is suspect.
    for (const entry of this.entries.values()) if (entry.current || entry.subscribers.size > 0) this.invalidate(entry);
  }

  private disconnected(reason: string): void {
    if (this.listening) {
      console.error(`[runtime] lost the pointer LISTEN connection (${reason}); serving cached snapshots, revalidating each second, reconnecting.`);
    }
    this.listening = false;
  }

  /** While changes are not heard, stream subscribers still learn of them within about a second. */
  private startUnheardPolling(): void {
    this.unheardTimer = setInterval(() => {
      if (this.listening) return;
      const now = Date.now();
      for (const entry of this.entries.values()) {
        if (entry.subscribers.size > 0 && now - entry.loadedAt >= this.unheardMaxAgeMs) this.revalidate(entry);
      }
    }, this.unheardMaxAgeMs);
    this.unheardTimer.unref?.();
  }
}

const globalForCache = globalThis as unknown as { __changegateRuntimeCache?: { handle: DbHandle; cache: SnapshotCache } };

/**
 * The process's snapshot cache, listening on the process's database. Created on first use (or
 * by startRuntimeCache at boot); a new database handle (tests) gets a new cache.
 */
export async function runtimeCache(): Promise<SnapshotCache> {
  const handle = await getDbHandle();
  const held = globalForCache.__changegateRuntimeCache;
  if (held?.handle === handle) return held.cache;
  if (held) void held.cache.stop();
  const cache = new SnapshotCache(handle.db);
  cache.start(handle);
  globalForCache.__changegateRuntimeCache = { handle, cache };
  return cache;
}

/** The process's cache if one was started, without starting one (synchronous). */
export function heldRuntimeCache(): SnapshotCache | undefined {
  return globalForCache.__changegateRuntimeCache?.cache;
}

/** Starts the cache and its LISTEN connection before the first runtime request. */
export async function startRuntimeCache(): Promise<void> {
  await runtimeCache();
}

/** Stops the process's cache and its LISTEN connection (tests, shutdown). */
export async function stopRuntimeCache(): Promise<void> {
  const held = globalForCache.__changegateRuntimeCache;
  globalForCache.__changegateRuntimeCache = undefined;
  await held?.cache.stop();
}
