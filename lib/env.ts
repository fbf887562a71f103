import { z } from "zod";

/** Server environment, validated once. Only server code imports this module. */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "DATABASE_URL must start with postgres:// or postgresql://")
    .optional(),
  CHANGEGATE_DATA_DIR: z.string().trim().min(1).default(".data"),
  /** "auto": seed the demo on first start when the embedded database is empty. */
  CHANGEGATE_DEMO: z.enum(["auto", "off"]).default("auto"),
  /** How often the canary judge runs (ms). */
  CHANGEGATE_CANARY_INTERVAL_MS: z.coerce.number().int().min(200, "CHANGEGATE_CANARY_INTERVAL_MS must be at least 200").default(15_000),
  AUTH_SECRET: z.string().min(16, "AUTH_SECRET must be at least 16 characters").optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

export type ServerEnv = z.infer<typeof envSchema>;

let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  if (cached) return cached;
  const parsed = envSchema.safeParse({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    AUTH_SECRET: process.env.AUTH_SECRET || undefined,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Changegate cannot start: the environment is not valid.\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}
