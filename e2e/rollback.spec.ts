import type { Request } from "@playwright/test";
import { expect, loginAs, test } from "./fixtures";
import { ServiceReleasesPage } from "./pages/releases-pages";
import { RollbackDialog } from "./pages/rollback-dialog";

// One-click rollback of one component, from the Releases page, and what a viewer may not do.
const SLUG = "support-assistant";
const NAME = "Support assistant";
const KINDS = ["Prompt", "Retrieval", "Policy", "Tool permissions", "Routing"];
// The demo's live support-assistant bundle has a rollback target only for its prompt (its policy
// has never changed), so the one-click rollback is exercised on the prompt.
const KIND = "prompt";
const KIND_LABEL = "Prompt";

function historyHeading(page: ServiceReleasesPage) {
  return page.page.getByRole("heading", { name: /^Manifest history \(\d+\)$/ });
}

async function historyLength(page: ServiceReleasesPage): Promise<number> {
  const text = (await historyHeading(page).textContent()) ?? "";
  return Number(text.match(/\((\d+)\)/)![1]);
}

async function liveVersions(releases: ServiceReleasesPage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of KINDS) out[kind] = ((await releases.versionLink(kind).textContent()) ?? "").trim();
  return out;
}

// Serial, and the refusal first: the rollback below uses the demo's only rollback target.
test.describe.configure({ mode: "serial" });

test("a viewer sees no rollback button, and a forged rollback with the viewer's session writes nothing", async ({ page, browser, baseURL }) => {
  const viewerContext = await browser.newContext({ baseURL });
  try {
    const viewerPage = await viewerContext.newPage();
    await loginAs(viewerPage, "viewer");
    const asViewer = new ServiceReleasesPage(viewerPage);
    await asViewer.goto(SLUG);
    await asViewer.expectShown(SLUG, NAME);
    await expect(asViewer.liveComponentRows).toHaveCount(5);
    await expect(viewerPage.getByRole("button", { name: /roll back/i })).toHaveCount(0);

    // The operator asks for a rollback; the request is captured and never sent.
    await loginAs(page, "operator");
    const releases = new ServiceReleasesPage(page);
    await releases.goto(SLUG);
    const countBefore = await historyLength(releases);
    const button = releases.liveComponents.getByRole("button", { name: /^Roll back \w+ to / }).first();
    const title = ((await button.textContent()) ?? "").trim();
    let captured: Request | undefined;
    const path = `**/services/${SLUG}/releases`;
    await page.route(path, async (route) => {
      const request = route.request();
      if (request.method() === "POST" && request.headers()["next-action"]) {
        captured = request;
        await route.abort();
      } else {
        await route.continue();
      }
    });
    const dialog = new RollbackDialog(page, title);
    await dialog.openWith(button);
    await dialog.pickReason("latency regression");
    await dialog.confirm.click();
    await expect.poll(() => captured, { message: "the rollback's server action request" }).toBeDefined();
    await expect(dialog.alert).toContainText("Changegate did not answer");
    await page.unroute(path);
    const action = captured!;
    const body = action.postDataBuffer();
    expect(body?.toString(), "the captured request is the rollback").toContain("latency regression");

    // The same request, byte for byte, with the viewer's cookies.
    const sent = await action.allHeaders();
    const headers = Object.fromEntries(
      Object.entries(sent).filter(([name]) => ["accept", "content-type", "next-action", "next-router-state-tree", "origin", "referer"].includes(name)),
    );
    const forged = await viewerContext.request.post(action.url(), { headers, data: body });
    const answer = await forged.text();
    expect(answer).toContain('"code":"forbidden"');
    expect(answer).not.toContain("Rolled back");

    // Nothing was written: the history is as long as before, for both.
    await releases.goto(SLUG);
    expect(await historyLength(releases)).toBe(countBefore);
    await asViewer.goto(SLUG);
    expect(await historyLength(asViewer)).toBe(countBefore);
  } finally {
    await viewerContext.close();
  }
});

test("an operator rolls back one component with one click and a preset reason; only that component changes", async ({ page, shoot }) => {
  await loginAs(page, "operator");
  const releases = new ServiceReleasesPage(page);
  await releases.goto(SLUG);
  await releases.expectShown(SLUG, NAME);

  const before = await liveVersions(releases);
  const countBefore = await historyLength(releases);
  const target = ((await releases.componentRow(KIND_LABEL).getByRole("cell").nth(4).textContent()) ?? "").trim();
  expect(target, `the ${KIND} has a rollback target`).not.toMatch(/^(none|same as live)?$/);
  expect(target).not.toBe(before[KIND_LABEL]);

  const title = `Roll back ${KIND} to ${target}`;
  const dialog = new RollbackDialog(page, title);
  await dialog.openWith(releases.componentRow(KIND_LABEL).getByRole("button", { name: title, exact: true }));
  await dialog.pickReason("false refusal spike");
  await shoot("releases-rollback-dialog");
  await dialog.confirm.click();
  const newRelease = await dialog.expectRolledBack();

  // The page re-rendered behind the dialog: a new manifest on top, and only that component reverted.
  await expect(historyHeading(releases)).toHaveText(`Manifest history (${countBefore + 1})`);
  await dialog.close();
  const history = page.getByRole("table", { name: "Release manifests, newest first" });
  const newest = history.getByRole("row").nth(1);
  await expect(newest).toContainText(newRelease);
  await expect(newest).toContainText(/rollback/i);
  await expect(newest).toContainText(`Rolled back ${KIND} to ${target}: false refusal spike`);
  await expect(newest).toContainText("stable");
  const after = await liveVersions(releases);
  expect(after).toEqual({ ...before, [KIND_LABEL]: target });

  // The manifest diff against the one it replaced agrees: one component differs, that one.
  await newest.getByRole("link", { name: /^Compare .* with the release it replaces/ }).click();
  await expect(page.getByText("1 of 5 components differ.")).toBeVisible();
  const comparison = page.getByRole("table", { name: new RegExp(`^Components of rel_\\w+ compared with ${newRelease}$`) });
  const changedRow = comparison.getByRole("row").filter({ has: page.getByRole("cell", { name: KIND_LABEL, exact: true }) });
  await expect(changedRow).toContainText("changed");
  for (const kind of KINDS.filter((k) => k !== KIND_LABEL)) {
    await expect(comparison.getByRole("row").filter({ has: page.getByRole("cell", { name: kind, exact: true }) })).toContainText("same");
  }
  await releases.goto(SLUG);
  await shoot("releases-after-rollback");
});
