/**
 * Database commands, run with `tsx --conditions=react-server db/cli.ts <command>`:
 *   migrate                                  apply pending migrations
 *   seed                                     migrate, then create the demo data if there is none
 *   create-admin --email E --name "N"        create an admin (password from CHANGEGATE_ADMIN_PASSWORD or a prompt)
 * The database comes from the environment like the app's: DATABASE_URL, or PGlite in
 * CHANGEGATE_DATA_DIR (default .data). Failures print one sentence and exit with code 1.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { count, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { hashPassword } from "@/lib/auth/password";
import { serverEnv } from "@/lib/env";
import { openDatabase, pgliteDir, type DbHandle } from "./client";
import { migrateDatabase } from "./migrate";
import { services, users } from "./schema";
import { DEMO_PEOPLE, seedDemo } from "./seed";
import { demoCredentialsPath, formatDemoCredentials, readDemoCredentials, writeDemoCredentials } from "./seed/credentials";

const MIN_PASSWORD_LENGTH = 12;
const USAGE = `Usage: db/cli.ts <command>
  migrate                                apply pending database migrations
  seed                                   migrate, then create the demo data if the database has none
  create-admin --email E --name "Name"   create an admin user (password from CHANGEGATE_ADMIN_PASSWORD, or prompted)`;

/** An expected failure: its message is all the user sees. */
class CliError extends Error {}

async function open(): Promise<DbHandle> {
  const env = serverEnv();
  if (env.DATABASE_URL) return openDatabase({ url: env.DATABASE_URL, dataDir: env.CHANGEGATE_DATA_DIR });
  const dir = pgliteDir(env.CHANGEGATE_DATA_DIR);
  try {
    return await openDatabase({ dataDir: env.CHANGEGATE_DATA_DIR });
  } catch (err) {
    throw new CliError(
      `Cannot open the embedded database in ${dir} (${err instanceof Error ? err.message : String(err)}). ` +
        "It serves one process at a time: if Changegate is running, stop the running app first.",
    );
  }
}

function describe(handle: DbHandle): string {
  return handle.kind === "pglite"
    ? `embedded PGlite in ${path.resolve(serverEnv().CHANGEGATE_DATA_DIR)}`
    : "PostgreSQL (DATABASE_URL)";
}

async function migrate(handle: DbHandle) {
  const { applied } = await migrateDatabase(handle);
  console.log(`Database ready: ${describe(handle)}, ${applied} migrations applied.`);
}

async function seed(handle: DbHandle) {
  await migrate(handle);
  const file = demoCredentialsPath(serverEnv().CHANGEGATE_DATA_DIR);
  const [existing] = await handle.db.select({ n: count() }).from(services);
  if ((existing?.n ?? 0) > 0) {
    console.log("The database already has services: it is already seeded, nothing was written.");
    const saved = handle.kind === "pglite" ? readDemoCredentials(file) : null;
    if (saved) console.log(formatDemoCredentials(saved, file));
    else console.log("No demo credentials file to show (the API tokens are printed only when the demo is created).");
    return;
  }
  const taken = await handle.db
    .select({ email: users.email })
    .from(users)
    .where(inArray(users.email, DEMO_PEOPLE.map((p) => p.email)));
  if (taken.length > 0) {
    throw new CliError(
      `Cannot seed the demo: users with the demo emails already exist (${taken.map((u) => u.email).join(", ")}).`,
    );
  }
  const started = performance.now();
  const credentials = await seedDemo(handle.db);
  console.log(`Demo data created in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  if (handle.kind === "pglite") {
    writeDemoCredentials(file, credentials);
    console.log(formatDemoCredentials(credentials, file));
  } else {
    console.log(formatDemoCredentials(credentials, null));
  }
}

const adminInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("The --email value is not an email address.")),
  name: z.string().trim().min(1, 'Give the admin a name with --name "Full Name".'),
});

async function createAdmin(handle: DbHandle, args: string[]) {
  const { values } = parseArgs({ args, options: { email: { type: "string" }, name: { type: "string" } }, strict: true });
  if (!values.email || !values.name) throw new CliError('create-admin needs --email and --name, e.g. create-admin --email ana@example.com --name "Ana Silva".');
  const parsed = adminInput.safeParse(values);
  if (!parsed.success) throw new CliError(parsed.error.issues[0]!.message);
  const { email, name } = parsed.data;

  await migrateDatabase(handle);
  const [existing] = await handle.db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`);
  if (existing) throw new CliError(`A user with the email ${email} already exists; nothing was changed.`);

  const password = await adminPassword();
  const passwordHash = await hashPassword(password);
  const now = new Date();
  await handle.db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name, role: "admin", passwordHash, createdAt: now, updatedAt: now })
      .returning({ id: users.id });
    await recordAudit(
      tx,
      { type: "system", id: null, label: "cli create-admin" },
      { action: "user.created", targetType: "user", targetId: user!.id, after: { email, name, role: "admin" }, reason: "Created from the command line." },
      now,
    );
  });
  console.log(`Created admin ${name} <${email}> in the ${describe(handle)}. They can sign in now.`);
}

async function adminPassword(): Promise<string> {
  const fromEnv = process.env.CHANGEGATE_ADMIN_PASSWORD;
  let password: string;
  if (fromEnv) {
    password = fromEnv;
  } else if (process.stdin.isTTY) {
    password = await promptHidden(`Password for the new admin (at least ${MIN_PASSWORD_LENGTH} characters): `);
    if (password.length >= MIN_PASSWORD_LENGTH && (await promptHidden("Repeat the password: ")) !== password) {
      throw new CliError("The two passwords do not match; nothing was changed.");
    }
  } else {
    throw new CliError("Set CHANGEGATE_ADMIN_PASSWORD, or run create-admin in a terminal to be asked for the password.");
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new CliError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long; nothing was changed.`);
  }
  return password;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let input = "";
    const done = (fn: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stdout.write("\n");
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(() => resolve(input));
        if (ch === "\u0003") return done(() => reject(new CliError("Cancelled; nothing was changed.")));
        if (ch === "\u007f" || ch === "\b") input = input.slice(0, -1);
        else if (ch >= " ") input += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (!["migrate", "seed", "create-admin"].includes(command)) {
    console.error(`Unknown command "${command}".\n${USAGE}`);
    return 1;
  }
  let handle: DbHandle | undefined;
  try {
    handle = await open();
    if (command === "migrate") await migrate(handle);
    else if (command === "seed") await seed(handle);
    else await createAdmin(handle, rest);
    return 0;
  } catch (err) {
    if (err instanceof CliError || (err instanceof Error && err.name === "DatabaseUnreachableError")) {
      console.error(`changegate: ${err.message}`);
    } else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`changegate: ${err.message}.\n${USAGE}`);
    } else if (err instanceof Error && err.message.startsWith("Changegate cannot start: the environment is not valid")) {
      console.error(`changegate: ${err.message}`);
    } else {
      console.error(`changegate: ${command} failed unexpectedly:`, err);
    }
    return 1;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
