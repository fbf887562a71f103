#!/usr/bin/env node
// The npm registry reachable here serves only the linux builds of packages that ship per-platform
// binaries (Next's SWC, Tailwind's oxide, the unrs resolver). `npm install` then leaves their
// other-platform optional dependencies out of package-lock.json, and `npm ci` refuses the lock.
// This adds lock entries for those optional packages with their os/cpu, so `npm ci` knows they
// are for other platforms and skips them. Run it after every `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;

const OS = ["darwin", "win32", "linux", "android", "freebsd", "openharmony", "netbsd", "openbsd", "sunos", "aix"];
const CPU = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "wasm32", "mips64el"];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  const libc = parts.find((p) => p === "gnu" || p.startsWith("gnueabi") || p === "musl" || p.startsWith("musleabi"));
  return { os, cpu, libc: libc ? (libc.startsWith("musl") ? "musl" : "glibc") : undefined };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ""}node_modules/${dep}`;
    const top = `node_modules/${dep}`;
    if (packages[nested] || packages[top]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && !cpu) continue; // not a platform binary: leave it for npm to report
    packages[top] = {
      version: spec.replace(/^[\^~=]/, ""),
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-stubs: ${added} other-platform optional packages recorded in ${file}`);
