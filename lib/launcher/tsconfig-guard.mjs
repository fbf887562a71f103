/**
 * `next build` adds `<distDir>/types/**` globs to tsconfig.json's "include" whenever the build
 * folder is not `.next` (NEXT_DIST_DIR). Builds into side folders (tests, launcher checks) must
 * not leave that edit behind in a tracked file, so the build is wrapped in this guard.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // comments or a half-written file: leave it alone
  }
}

/** Snapshots tsconfig.json; the returned function undoes only Next's own include additions. */
export function guardTsconfig(root, distDir) {
  const file = path.join(root, "tsconfig.json");
  let before;
  try {
    before = readFileSync(file, "utf8");
  } catch {
    return () => undefined;
  }
  return function restore() {
    let after;
    try {
      after = readFileSync(file, "utf8");
    } catch {
      return;
    }
    if (after === before) return;
    const was = parse(before);
    const now = parse(after);
    if (!was || !now || !Array.isArray(now.include)) return;
    const prefix = `${distDir.replaceAll("\\", "/").replace(/^\.\//, "")}/`;
    const added = now.include.filter((p) => !(was.include ?? []).includes(p));
    if (!added.every((p) => typeof p === "string" && p.startsWith(prefix))) return;
    const withoutAdded = { ...now, include: now.include.filter((p) => !added.includes(p)) };
    // Anything else changed (a person edited the file meanwhile): keep their version.
    if (isDeepStrictEqual(withoutAdded, was)) writeFileSync(file, before);
  };
}
