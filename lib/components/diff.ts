import { diffArrays, diffLines, diffWordsWithSpace } from "diff";
import microdiff from "microdiff";
import { COMPONENT_KIND_CATALOGUE, kindInfo, type ComponentKind } from "./kinds";

/**
 * Diffs of component versions and release manifests. Pure: data in, data out.
 * Text (prompt instructions) is diffed by line with word highlights (jsdiff); JSON configs are
 * diffed structurally (microdiff) into a flat list of paths a reviewer can read.
 */

// ---------------------------------------------------------------------------------------------
// Text

export type LineType = "added" | "removed" | "unchanged";

/** A run of characters in a line; `changed` runs are the words that differ from the paired line. */
export interface TextSegment {
  text: string;
  changed: boolean;
}

export interface DiffLine {
  type: LineType;
  /** 1-based line number in the old text (null for an added line). */
  oldNumber: number | null;
  /** 1-based line number in the new text (null for a removed line). */
  newNumber: number | null;
  /** The line without its newline. */
  text: string;
  segments: TextSegment[];
}

export interface TextHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Unchanged lines left out between the previous hunk (or the start) and this one. */
  skippedBefore: number;
  lines: DiffLine[];
}

export interface TextDiff {
  identical: boolean;
  added: number;
  removed: number;
  hunks: TextHunk[];
  /** Unchanged lines left out after the last hunk. */
  skippedAfter: number;
}

/**
 * Word highlights only help when the old and new lines share most of the shorter one; below this
 * share of common (non-space) characters the change is shown as whole lines, without word noise.
 */
const MIN_SIMILARITY_FOR_WORD_HIGHLIGHTS = 0.4;

function toLines(text: string): string[] {
  const normalized = text.replace(/\r\n?/g, "\n");
  if (normalized === "") return [];
  const lines = normalized.split("\n");
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function plain(text: string): TextSegment[] {
  return text === "" ? [] : [{ text, changed: false }];
}

function pushSegment(line: TextSegment[], text: string, changed: boolean) {
  if (text === "") return;
  const last = line[line.length - 1];
  if (last && last.changed === changed) last.text += text;
  else line.push({ text, changed });
}

/** Word highlights for a block of removed lines replaced by a block of added lines. */
function wordSegments(removed: string[], added: string[]): { old: TextSegment[][]; new: TextSegment[][] } {
  const wholeLines = { old: removed.map(plain), new: added.map(plain) };
  if (removed.length === 0 || added.length === 0) return wholeLines;

  const words = diffWordsWithSpace(removed.join("\n"), added.join("\n"));
  const nonSpace = (s: string) => s.replace(/\s+/g, "").length;
  const common = words.filter((w) => !w.added && !w.removed).reduce((n, w) => n + nonSpace(w.value), 0);
  const shorter = Math.min(nonSpace(removed.join("")), nonSpace(added.join("")));
  if (shorter === 0 || common / shorter < MIN_SIMILARITY_FOR_WORD_HIGHLIGHTS) return wholeLines;

  const sides = {
    old: { lines: removed.map((): TextSegment[] => []), at: 0 },
    new: { lines: added.map((): TextSegment[] => []), at: 0 },
  };
  const emit = (side: (typeof sides)["old"], text: string, changed: boolean) => {
    text.split("\n").forEach((part, i) => {
      if (i > 0) side.at += 1;
      const line = side.lines[side.at];
      if (line) pushSegment(line, part, changed);
    });
  };
  for (const w of words) {
    if (!w.added) emit(sides.old, w.value, w.removed);
    if (!w.removed) emit(sides.new, w.value, w.added);
  }
  return { old: sides.old.lines.map(absorbIslands), new: sides.new.lines.map(absorbIslands) };
}

/**
 * A single common word between two changes ("the", "to") is chance, not meaning: highlighting
 * around it leaves confetti. Such islands join the change around them.
 */
function absorbIslands(line: TextSegment[]): TextSegment[] {
  const out: TextSegment[] = [];
  line.forEach((seg, i) => {
    const before = line[i - 1];
    const after = line[i + 1];
    const island = !seg.changed && before?.changed && after?.changed && !/\S\s+\S/.test(seg.text.trim());
    pushSegment(out, seg.text, seg.changed || Boolean(island));
  });
  return out;
}

/**
 * Line diff of two texts, grouped into hunks with `context` unchanged lines around each change
 * (Infinity: one hunk with the whole text). Changed lines carry word-level highlights.
 * Line endings are normalised, and a missing final newline is not a change.
 */
export function diffPromptText(a: string, b: string, options: { context?: number } = {}): TextDiff {
  const context = Math.max(0, options.context ?? 3);
  const oldLines = toLines(a);
  const newLines = toLines(b);
  const withEol = (lines: string[]) => lines.map((l) => `${l}\n`).join("");

  const all: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  let pendingRemoved: string[] = [];
  const flush = (addedBlock: string[]) => {
    const seg = wordSegments(pendingRemoved, addedBlock);
    pendingRemoved.forEach((text, i) =>
      all.push({ type: "removed", oldNumber: ++oldNo, newNumber: null, text, segments: seg.old[i] ?? plain(text) }),
    );
    addedBlock.forEach((text, i) =>
      all.push({ type: "added", oldNumber: null, newNumber: ++newNo, text, segments: seg.new[i] ?? plain(text) }),
    );
    pendingRemoved = [];
  };

  for (const change of diffLines(withEol(oldLines), withEol(newLines))) {
    const lines = toLines(change.value);
    if (change.removed) {
      pendingRemoved.push(...lines);
    } else if (change.added) {
      flush(lines);
    } else {
      flush([]);
      for (const text of lines) {
        all.push({ type: "unchanged", oldNumber: ++oldNo, newNumber: ++newNo, text, segments: plain(text) });
      }
    }
  }
  flush([]);

  const added = all.filter((l) => l.type === "added").length;
  const removed = all.filter((l) => l.type === "removed").length;

  // Ranges of lines to show: each change with its context, merged when they touch.
  const ranges: Array<[number, number]> = [];
  all.forEach((line, i) => {
    if (line.type === "unchanged") return;
    const start = Math.max(0, i - context);
    const end = Math.min(all.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });

  const hunks: TextHunk[] = [];
  let shownUpTo = 0;
  for (const [start, end] of ranges) {
    const lines = all.slice(start, end + 1);
    const before = all.slice(0, start);
    const oldBefore = before.filter((l) => l.oldNumber !== null).length;
    const newBefore = before.filter((l) => l.newNumber !== null).length;
    const oldCount = lines.filter((l) => l.oldNumber !== null).length;
    const newCount = lines.filter((l) => l.newNumber !== null).length;
    hunks.push({
      // As in unified diffs: an empty side starts at the line before it.
      oldStart: oldCount === 0 ? oldBefore : oldBefore + 1,
      oldLines: oldCount,
      newStart: newCount === 0 ? newBefore : newBefore + 1,
      newLines: newCount,
      skippedBefore: start - shownUpTo,
      lines,
    });
    shownUpTo = end + 1;
  }

  return {
    identical: added === 0 && removed === 0,
    added,
    removed,
    hunks,
    skippedAfter: hunks.length === 0 ? 0 : all.length - shownUpTo,
  };
}

// ---------------------------------------------------------------------------------------------
// Structure

export interface StructuralChange {
  /** Where, e.g. `rules[2].action`; "" for the whole value. */
  path: string;
  type: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
  /** Set when the change is not to a value, e.g. "order changed" for reordered list items. */
  note?: string;
  /** The id or name of the innermost list item the path goes through, e.g. "issue_refund". */
  item?: string;
}

type PathSegment = string | number;

/** Fields that identify an item in a list of objects, tried in this order. */
const IDENTITY_FIELDS = ["id", "name", "key"] as const;
// Arrays are compared as objects whose keys say which old and new index an item pairs.
const PAIR_KEY = "\u0000pair:";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === "[object Object]";
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function");
}

function identityField(a: unknown[], b: unknown[]): string | null {
  for (const field of IDENTITY_FIELDS) {
    const usable = (arr: unknown[]) => {
      const ids = arr.map((x) => (isPlainObject(x) ? x[field] : undefined));
      return ids.every((id) => typeof id === "string" || typeof id === "number") && new Set(ids).size === ids.length;
    };
    if (a.length + b.length > 0 && usable(a) && usable(b)) return field;
  }
  return null;
}

function pairKey(oldIndex: number | null, newIndex: number | null): string {
  return `${PAIR_KEY}${oldIndex ?? ""}:${newIndex ?? ""}`;
}

function parsePairKey(key: string): { oldIndex: number | null; newIndex: number | null } | null {
  if (!key.startsWith(PAIR_KEY)) return null;
  const [o = "", n = ""] = key.slice(PAIR_KEY.length).split(":");
  return { oldIndex: o === "" ? null : Number(o), newIndex: n === "" ? null : Number(n) };
}

/** Which old item pairs with which new one: by identity field, by longest common run, or by index. */
function pairItems(a: unknown[], b: unknown[]): { pairs: Array<[number | null, number | null]>; reordered?: [unknown[], unknown[]] } {
  const field = identityField(a, b);
  if (field) {
    const idOf = (x: unknown) => (x as Record<string, unknown>)[field];
    const newIndexById = new Map(b.map((x, i) => [idOf(x), i]));
    const oldIds = new Set(a.map(idOf));
    const pairs: Array<[number | null, number | null]> = a.map((x, i) => [i, newIndexById.get(idOf(x)) ?? null]);
    b.forEach((x, i) => {
      if (!oldIds.has(idOf(x))) pairs.push([null, i]);
    });
    const commonOld = a.map(idOf).filter((id) => newIndexById.has(id));
    const commonNew = b.map(idOf).filter((id) => oldIds.has(id));
    const moved = commonOld.some((id, i) => id !== commonNew[i]);
    return moved ? { pairs, reordered: [commonOld, commonNew] } : { pairs };
  }
  if (a.every(isPrimitive) && b.every(isPrimitive)) {
    const pairs: Array<[number | null, number | null]> = [];
    let i = 0;
    let j = 0;
    let removedRun: number[] = [];
    for (const part of diffArrays(a, b)) {
      if (part.removed) {
        for (let k = 0; k < part.count; k++) removedRun.push(i++);
      } else if (part.added) {
        // A removal followed by an addition at the same place reads as a change.
        for (let k = 0; k < part.count; k++) pairs.push([removedRun.shift() ?? null, j++]);
        removedRun.forEach((r) => pairs.push([r, null]));
        removedRun = [];
      } else {
        removedRun.forEach((r) => pairs.push([r, null]));
        removedRun = [];
        for (let k = 0; k < part.count; k++) pairs.push([i++, j++]);
      }
    }
    removedRun.forEach((r) => pairs.push([r, null]));
    return { pairs };
  }
  const pairs: Array<[number | null, number | null]> = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) pairs.push([k < a.length ? k : null, k < b.length ? k : null]);
  return { pairs };
}

/** Rewrites both values so microdiff compares list items by pairing, collecting reorders. */
function align(a: unknown, b: unknown, path: PathSegment[], reorders: StructuralChange[]): [unknown, unknown] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const { pairs, reordered } = pairItems(a, b);
    if (reordered) {
      reorders.push({ path: formatPath(path), type: "changed", before: reordered[0], after: reordered[1], note: "order changed" });
    }
    const outA: Record<string, unknown> = {};
    const outB: Record<string, unknown> = {};
    for (const [o, n] of pairs) {
      const key = pairKey(o, n);
      if (o !== null && n !== null) [outA[key], outB[key]] = align(a[o], b[n], [...path, n], reorders);
      else if (o !== null) outA[key] = a[o];
      else if (n !== null) outB[key] = b[n];
    }
    return [outA, outB];
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const outA: Record<string, unknown> = { ...a };
    const outB: Record<string, unknown> = { ...b };
    for (const key of Object.keys(a)) {
      if (key in b) [outA[key], outB[key]] = align(a[key], b[key], [...path, key], reorders);
    }
    return [outA, outB];
  }
  return [a, b];
}

function formatPath(path: PathSegment[]): string {
  return path
    .map((seg, i) => {
      if (typeof seg === "number") return `[${seg}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(seg)) return i === 0 ? seg : `.${seg}`;
      return `[${JSON.stringify(seg)}]`;
    })
    .join("");
}

/** Follows a path of the aligned values back through the original ones. */
function resolve(a: unknown, b: unknown, path: PathSegment[], type: StructuralChange["type"]) {
  let oldNode: unknown = a;
  let newNode: unknown = b;
  const display: PathSegment[] = [];
  let item: string | undefined;
  for (const seg of path) {
    const pair = typeof seg === "string" ? parsePairKey(seg) : null;
    if (pair) {
      const field = Array.isArray(oldNode) && Array.isArray(newNode) ? identityField(oldNode, newNode) : null;
      oldNode = pair.oldIndex === null || !Array.isArray(oldNode) ? undefined : oldNode[pair.oldIndex];
      newNode = pair.newIndex === null || !Array.isArray(newNode) ? undefined : newNode[pair.newIndex];
      if (field) item = String(((newNode ?? oldNode) as Record<string, unknown>)[field]);
      // Added and changed items are named by where they are now, removed ones by where they were.
      display.push(type === "removed" ? (pair.oldIndex ?? 0) : (pair.newIndex ?? pair.oldIndex ?? 0));
    } else {
      const child = (node: unknown) => (isPlainObject(node) || Array.isArray(node) ? (node as Record<PathSegment, unknown>)[seg] : undefined);
      oldNode = child(oldNode);
      newNode = child(newNode);
      display.push(seg);
    }
  }
  return { path: formatPath(display), before: oldNode, after: newNode, item };
}

/**
 * Flat list of what changed between two JSON values. Lists of objects with an `id`, `name` or
 * `key` are compared item by item (an insertion is one addition, not a cascade of changes, and a
 * reorder is reported once); lists of plain values are compared as sequences.
 */
export function diffStructural(a: unknown, b: unknown): StructuralChange[] {
  const reorders: StructuralChange[] = [];
  // Wrapping lets microdiff (which needs objects) compare any two values, roots included.
  const [alignedA, alignedB] = align({ $: a }, { $: b }, [], reorders);
  const changes: StructuralChange[] = microdiff(alignedA as Record<string, unknown>, alignedB as Record<string, unknown>).map((d) => {
    const type = d.type === "CREATE" ? "added" : d.type === "REMOVE" ? "removed" : "changed";
    const { path, before, after, item } = resolve(a, b, d.path.slice(1), type);
    const named = item === undefined ? {} : { item };
    if (type === "added") return { path, type, after, ...named };
    if (type === "removed") return { path, type, before, ...named };
    return { path, type, before, after, ...named };
  });
  for (const reorder of reorders) {
    const reorderPath = reorder.path.replace(/^\$\.?/, "");
    const entry = { ...reorder, path: reorderPath };
    const inside = (p: string) => reorderPath === "" || p === reorderPath || p.startsWith(`${reorderPath}.`) || p.startsWith(`${reorderPath}[`);
    const at = changes.findIndex((c) => inside(c.path));
    if (at === -1) changes.push(entry);
    else changes.splice(at, 0, entry);
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Component versions

/** The field of a text-diffed kind's content that holds its text. */
export const TEXT_FIELD = "instructions";

export type ComponentDiff =
  | {
      style: "text";
      identical: boolean;
      /** Line diff of `content[TEXT_FIELD]`. */
      text: TextDiff;
      /** Structural diff of every other field (model family, temperature, …). */
      fields: StructuralChange[];
    }
  | { style: "structural"; identical: boolean; changes: StructuralChange[] };

/** Diffs two versions' content the way their kind is best read (see kindInfo().diffStyle). */
export function diffComponentContent(
  kind: ComponentKind,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  options: { context?: number } = {},
): ComponentDiff {
  if (kindInfo(kind).diffStyle === "text") {
    const textOf = (c: Record<string, unknown>) => (typeof c[TEXT_FIELD] === "string" ? (c[TEXT_FIELD] as string) : "");
    const rest = (c: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(c).filter(([k]) => !(k === TEXT_FIELD && typeof c[k] === "string")));
    const text = diffPromptText(textOf(a), textOf(b), options);
    const fields = diffStructural(rest(a), rest(b));
    return { style: "text", identical: text.identical && fields.length === 0, text, fields };
  }
  const changes = diffStructural(a, b);
  return { style: "structural", identical: changes.length === 0, changes };
}

// ---------------------------------------------------------------------------------------------
// Release manifests

export interface ManifestEntry {
  kind: string;
  versionId: string;
}

export interface ManifestKindDiff<T extends ManifestEntry> {
  kind: string;
  status: "same" | "changed" | "added" | "removed";
  from: T | null;
  to: T | null;
}

/** Per component kind, whether two manifests carry the same version, in catalogue order. */
export function diffManifests<T extends ManifestEntry>(a: readonly T[], b: readonly T[]): ManifestKindDiff<T>[] {
  const order = (kind: string) => COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind)?.sortOrder ?? Number.MAX_SAFE_INTEGER;
  const kinds = [...new Set([...a.map((c) => c.kind), ...b.map((c) => c.kind)])].sort(
    (x, y) => order(x) - order(y) || x.localeCompare(y),
  );
  return kinds.map((kind) => {
    const from = a.find((c) => c.kind === kind) ?? null;
    const to = b.find((c) => c.kind === kind) ?? null;
    const status = !from ? "added" : !to ? "removed" : from.versionId === to.versionId ? "same" : "changed";
    return { kind, status, from, to };
  });
}

export interface ManifestHistoryEntry {
  id: string;
  kind: string;
  canaryPercent: number;
  createdAt: Date;
  replacesReleaseId: string | null;
  components: readonly ManifestEntry[];
}

/**
 * Since when each component of a stable release has served the stable share: walk back the
 * releases it replaced while the kind keeps the same version. Canary deploys are looked past,
 * since they never served the stable share. Kinds missing from the release are left out.
 */
export function liveSinceByKind(stableId: string, history: ReadonlyMap<string, ManifestHistoryEntry>): Map<string, Date> {
  const since = new Map<string, Date>();
  const stable = history.get(stableId);
  if (!stable) return since;
  for (const component of stable.components) {
    let at = stable.createdAt;
    let current: ManifestHistoryEntry = stable;
    // A corrupt chain with a cycle must not hang the caller: each release is visited once.
    const seen = new Set([stable.id]);
    while (current.replacesReleaseId && !seen.has(current.replacesReleaseId)) {
      const previous = history.get(current.replacesReleaseId);
      if (!previous) break;
      seen.add(previous.id);
      current = previous;
      if (previous.kind === "deploy" && previous.canaryPercent < 100) continue;
      if (!previous.components.some((p) => p.kind === component.kind && p.versionId === component.versionId)) break;
      at = previous.createdAt;
    }
    since.set(component.kind, at);
  }
  return since;
}
