/**
 * How the changegate CLI shows the operator API's answers to a person (`--json` prints them
 * raw). Plain text in columns, no colour, so it reads the same in a terminal, a pager or a
 * pasted incident channel.
 */

const KIND_WIDTH = 16;

/** "2026-11-22 09:41 UTC" from an ISO time. */
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;
}

const pad = (text, width) => String(text).padEnd(width);

function componentLines(components, options = {}) {
  const rows = Object.entries(components ?? {});
  const labelWidth = Math.max(8, ...rows.map(([, c]) => c.version.length)) + 2;
  return rows.map(([kind, c]) => {
    const target = options.rollbackTargets === false ? "" : `rollback → ${c.rollbackTarget ?? "none"}`;
    return `  ${pad(kind, KIND_WIDTH)}${pad(c.version, labelWidth)}${pad(c.hash.slice(0, 12), 14)}${target}`.trimEnd();
  });
}

export function formatStatus(status) {
  const { service, pointer, stable, canary, rollout } = status;
  const lines = [`${service.slug} (${service.name})`];
  if (!pointer || !stable) {
    lines.push("Nothing released yet: the service has no active pointer.");
    return lines.join("\n");
  }
  lines.push(`Pointer   revision ${pointer.revision}, updated ${when(pointer.updatedAt)} by ${pointer.updatedBy}`);
  lines.push(`Stable    ${stable.releaseId}  (released ${when(stable.createdAt)})`);
  lines.push(...componentLines(stable.components));
  if (canary) {
    const tenants = canary.tenants.length ? `tenants ${canary.tenants.join(", ")}` : "all tenants";
    lines.push(`Canary    ${canary.releaseId} at ${canary.percent}% of ${tenants}  (released ${when(canary.createdAt)})`);
    const differing = Object.fromEntries(Object.entries(canary.components).filter(([kind, c]) => stable.components[kind]?.versionId !== c.versionId));
    if (Object.keys(differing).length === 0) lines.push("  (same versions as stable)");
    else lines.push(...componentLines(differing));
  } else {
    lines.push("Canary    none");
  }
  if (rollout) {
    const cr = rollout.changeRequest;
    const stage = rollout.stage ? `, stage ${rollout.stage.number} of ${rollout.stage.of}${rollout.stage.percent === null ? "" : ` (${rollout.stage.percent}%)`}` : "";
    lines.push(`Rollout   CR-${cr.number} ${cr.state.replace("_", " ")}${stage}: ${cr.title}`);
  } else {
    lines.push("Rollout   none in flight");
  }
  return lines.join("\n");
}

/** "policy sec-v13 → sec-v12" between a release and the one it replaced (when both are listed). */
function changesSince(release, byId) {
  const before = release.replaces ? byId.get(release.replaces) : undefined;
  if (!before) return "";
  const parts = [];
  for (const [kind, label] of Object.entries(release.components)) {
    if (before.components[kind] !== label) parts.push(`${kind} ${before.components[kind] ?? "(none)"} → ${label}`);
  }
  return parts.join(", ") || "no component changes";
}

export function formatReleases(answer) {
  const { service, releases } = answer;
  if (releases.length === 0) return `${service.slug}: no releases yet.`;
  const byId = new Map(releases.map((r) => [r.id, r]));
  const rows = releases.map((r) => ({
    id: r.id,
    live: r.live ?? "",
    kind: r.kind,
    canary: `${r.canaryPercent}%${r.targetTenants.length ? ` of ${r.targetTenants.join(",")}` : ""}`,
    cr: r.changeRequest ? `CR-${r.changeRequest.number}` : "—",
    when: when(r.createdAt),
    actor: r.actor.replace(/\s*<[^>]*>\s*$/, ""),
    changes: changesSince(r, byId),
    reason: r.reason,
  }));
  const columns = [
    ["RELEASE", "id"],
    ["LIVE", "live"],
    ["KIND", "kind"],
    ["CANARY", "canary"],
    ["CR", "cr"],
    ["CREATED", "when"],
    ["BY", "actor"],
  ];
  const widths = columns.map(([title, key]) => Math.max(title.length, ...rows.map((r) => r[key].length)) + 2);
  const line = (cells) => cells.map((c, i) => pad(c, widths[i])).join("").trimEnd();
  const out = [`${service.slug}: ${releases.length} most recent release${releases.length === 1 ? "" : "s"}, newest first`, line(columns.map(([t]) => t))];
  for (const r of rows) {
    out.push(line(columns.map(([, key]) => r[key])));
    if (r.changes) out.push(`    ${r.changes}`);
    out.push(`    ${r.reason}`);
  }
  return out.join("\n");
}

function outcomeLines(answer) {
  const lines = [`  new release      ${answer.releaseId} (${answer.arm})`, `  pointer          revision ${answer.pointerRevision}`];
  if (answer.canaryReleaseId) lines.push(`  canary rebased   ${answer.canaryReleaseId}`);
  if (answer.changeRequests?.length) lines.push(`  rolled back      ${answer.changeRequests.join(", ")}`);
  lines.push("  Tag the regression cause on the Overview page once you know it.");
  return lines;
}

export function componentRollbackLine(service, kind, answer) {
  const from = answer.from?.label ?? "?";
  const to = answer.to?.label ?? "?";
  return [`Rolled back ${kind} ${from} → ${to} on ${service} in ${answer.durationMs} ms.`, ...outcomeLines(answer)].join("\n");
}

export function bundleRollbackLine(service, toRelease, answer) {
  return [`Rolled back ${service}'s whole bundle to ${toRelease} in ${answer.durationMs} ms.`, ...outcomeLines(answer)].join("\n");
}
