/** Sign-in throttling (pure): decides from recent failure counts whether to refuse an attempt. */
export const LOGIN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 20;

export interface RecentFailures {
  account: number;
  ip: number;
  /** Time of the oldest failure still counted, for "try again in N minutes". */
  oldestCountedAt: Date | null;
}

export type LoginThrottle = { allowed: true } | { allowed: false; retryAfterMinutes: number; message: string };

export function loginThrottle(failures: RecentFailures, now: Date): LoginThrottle {
  if (failures.account < MAX_FAILURES_PER_ACCOUNT && failures.ip < MAX_FAILURES_PER_IP) return { allowed: true };
  const windowMs = LOGIN_WINDOW_MINUTES * 60_000;
  const freesAt = (failures.oldestCountedAt?.getTime() ?? now.getTime()) + windowMs;
  const retryAfterMinutes = Math.max(1, Math.ceil((freesAt - now.getTime()) / 60_000));
  return {
    allowed: false,
    retryAfterMinutes,
    message: `Too many failed sign-in attempts. Try again in ${retryAfterMinutes} minute${retryAfterMinutes === 1 ? "" : "s"}.`,
  };
}
