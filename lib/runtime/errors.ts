import "server-only";

/** The database cannot be reached and there is nothing in memory to answer with (HTTP 503). */
export class RuntimeUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "RuntimeUnavailableError";
  }
}

/** The root cause's message: drizzle wraps driver errors in a "Failed query: <sql>" one. */
export function errorText(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
