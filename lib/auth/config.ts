import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { isRole, type Role } from "./permissions";

declare module "next-auth" {
  interface Session {
    user: { id: string; role: Role } & DefaultSession["user"];
  }
  interface User {
    role?: Role;
  }
}

class InvalidLogin extends CredentialsSignin {
  code = "invalid";
}
class RateLimitedLogin extends CredentialsSignin {
  constructor(message: string) {
    super(message);
    // The code reaches the login form; it carries the "try again in N minutes" sentence.
    this.code = `rate_limited:${message}`;
  }
}

const credentialsSchema = z.object({
  email: z.string().trim().email(),
  password: z.string().min(1).max(200),
});

function clientIp(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "local";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login" },
  logger: {
    // A wrong password is an expected outcome (the form says so), not a server error to log.
    error(error) {
      if ((error as { type?: string }).type === "CredentialsSignin") return;
      console.error(error);
    },
  },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new InvalidLogin();
        const { attemptLogin } = await import("./login");
        const outcome = await attemptLogin({ ...parsed.data, ip: clientIp(request) });
        if (!outcome.ok) {
          if (outcome.reason === "rate_limited") throw new RateLimitedLogin(outcome.message);
          throw new InvalidLogin();
        }
        return outcome.user;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) {
        token.uid = user.id;
        token.role = user.role;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      if (isRole(token.role)) session.user.role = token.role;
      return session;
    },
  },
});
