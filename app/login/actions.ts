"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth/config";
import { INVALID_LOGIN_MESSAGE } from "@/lib/auth/messages";

export type LoginState = { error: string; email: string } | null;

/** Only same-site paths: an attacker-supplied callback must not send users elsewhere. */
function safeCallback(value: FormDataEntryValue | null): string {
  const path = typeof value === "string" ? value : "";
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/login") ? path : "/";
}

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  if (!email || !password) return { error: "Enter your email and password.", email };
  try {
    await signIn("credentials", { email, password, redirectTo: safeCallback(form.get("callbackUrl")) });
    return null;
  } catch (err) {
    if (err instanceof AuthError) {
      const code = (err as AuthError & { code?: string }).code ?? "";
      if (code.startsWith("rate_limited:")) return { error: code.slice("rate_limited:".length), email };
      return { error: INVALID_LOGIN_MESSAGE, email };
    }
    throw err; // the redirect after a successful sign-in
  }
}
