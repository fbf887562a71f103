#!/usr/bin/env node
/**
 * `npm start`: build the production app if there is no build or the sources changed since the
 * last one, then run the production server (lib/launcher/server.mjs: Next.js behind node:http)
 * in the foreground. Plain Node, no dependencies, so it runs straight after `npm ci`.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { guardTsconfig } from "./tsconfig-guard.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const distDir = process.env.NEXT_DIST_DIR || ".next";
const distPath = path.resolve(root, distDir);
const fingerprintFile = path.join(distPath, "changegate-build-fingerprint");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

// What a build is made from. Tests live beside the code but do not change the build.
const SOURCE_DIRS = ["app", "lib", "db", "public"];
const SOURCE_FILES = ["package-lock.json", "next.config.ts", "instrumentation.ts", "tsconfig.json", "postcss.config.mjs"];
const IGNORED = /(^|\/)(node_modules|\.[^/]+)(\/|$)|\.test\.tsx?$/;

function listFiles(dir, into) {
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return into;
  }
  for (const entry of entries) {
    const rel = `${dir}/${entry.name}`;
    if (IGNORED.test(rel)) continue;
    if (entry.isDirectory()) listFiles(rel, into);
    else if (entry.isFile()) into.push(rel);
  }
  return into;
}

/** A hash of every source file's path, size and modification time. */
function sourceFingerprint() {
  const files = SOURCE_DIRS.flatMap((d) => listFiles(d, []))
    .concat(SOURCE_FILES.filter((f) => existsSync(path.join(root, f))))
    .sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const st = statSync(path.join(root, file));
    hash.update(`${file}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

function readSavedFingerprint() {
  try {
    return readFileSync(fingerprintFile, "utf8").trim();
  } catch {
    return null;
  }
}

function run(args, { forwardSignals = false, script = nextBin } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio: "inherit", env: process.env });
    const forward = (signal) => child.kill(signal);
    if (forwardSignals) {
      process.on("SIGINT", forward);
      process.on("SIGTERM", forward);
    }
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
    });
  });
}

async function main() {
  const hasBuild = existsSync(path.join(distPath, "BUILD_ID"));
  const needsBuild = !hasBuild || readSavedFingerprint() !== sourceFingerprint();

  if (needsBuild) {
    console.log(
      hasBuild
        ? `[changegate] sources changed since the last build: rebuilding into ${distDir} …`
        : `[changegate] no production build in ${distDir} yet: building (takes a minute or two) …`,
    );
    // Ctrl-C during the build stops the build too.
    const restoreTsconfig = guardTsconfig(root, distDir);
    const code = await run(["build"], { forwardSignals: true });
    restoreTsconfig();
    if (code !== 0) {
      console.error(`[changegate] the build failed (exit code ${code}); see the output above.`);
      process.exit(code);
    }
    // Taken after the build, so nothing the build itself touched counts as a change.
    writeFileSync(fingerprintFile, `${sourceFingerprint()}\n`);
  } else {
    console.log(`[changegate] sources unchanged: reusing the build in ${distDir}.`);
  }

  // Next.js behind a node:http server that answers the runtime API's hot path first (server.mjs).
  process.exit(await run([], { forwardSignals: true, script: path.join(root, "lib/launcher/server.mjs") }));
}

main().catch((err) => {
  console.error(`[changegate] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
