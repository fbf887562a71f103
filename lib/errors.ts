/**
 * Expected failures are values with a code and a sentence a tired on-call engineer understands.
 * Each code maps to one HTTP status, so actions and API routes answer alike.
 */
export const ERROR_STATUS = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_input: 422,
  bad_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rule_refused: 422,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorBody {
  code: ErrorCode;
  message: string;
  /** Field path -> messages, for forms. */
  fieldErrors?: Record<string, string[]>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors?: Record<string, string[]>;

  constructor(code: ErrorCode, message: string, fieldErrors?: Record<string, string[]>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = fieldErrors;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): AppErrorBody {
    return this.fieldErrors
      ? { code: this.code, message: this.message, fieldErrors: this.fieldErrors }
      : { code: this.code, message: this.message };
  }
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: AppErrorBody };

/** Turns any thrown value into an error body; unexpected errors are logged and masked. */
export function toErrorBody(err: unknown): AppErrorBody {
  if (err instanceof AppError) return err.toBody();
  console.error("[changegate] unexpected error", err);
  return { code: "internal", message: "Something went wrong on our side. It was logged; try again." };
}
