/**
 * What the SDK throws or reports. Every message is a sentence an engineer reading a service's
 * log can act on.
 */

/** resolve() has nothing to serve: no snapshot has arrived yet and no fallback bundle is configured. */
export class ChangegateUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "ChangegateUnavailableError";
  }
}

/**
 * A request to Changegate failed: `status` is the HTTP status (absent when the server could not be
 * reached), `code` the API's error code when it sent one.
 */
export class ChangegateRequestError extends Error {
  readonly status?: number;
  readonly code?: string;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ChangegateRequestError";
    this.status = options.status;
    this.code = options.code;
  }

  /** Worth retrying: the server was unreachable, overloaded, or failed on its side. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The API's `{ error: { code, message } }`, or the status line when the body is not that. */
export async function requestErrorOf(response: Response, what: string): Promise<ChangegateRequestError> {
  let code: string | undefined;
  let detail = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body?.error?.message === "string") detail = `${body.error.message} (HTTP ${response.status})`;
    if (typeof body?.error?.code === "string") code = body.error.code;
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ChangegateRequestError(`${what}: ${detail}`, { status: response.status, code });
}

/** A network failure (refused, reset, DNS, timeout) as a request error naming the URL. */
export function networkErrorOf(err: unknown, what: string, url: string): ChangegateRequestError {
  if (err instanceof ChangegateRequestError) return err;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const reason = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : String(cause);
  return new ChangegateRequestError(`${what}: could not reach ${url} (${reason})`, { cause: err });
}
