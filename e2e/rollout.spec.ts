import type { Browser, BrowserContext, Page } from "@playwright/test";
import type { Role } from "@/lib/auth/permissions";
import { expect, loginAs, serviceToken, shoot, test } from "./fixtures";
import { ChangeRequestFormPage } from "./pages/change-request-form-page";
import { ChangeRequestPage } from "./pages/change-request-page";
import { ServiceReleasesPage } from "./pages/releases-pages";
import { RollbackDialog } from "./pages/rollback-dialog";
import { RolloutPanel } from "./pages/rollout-panel";

// The operator's journey on a change request: start the rollout of an approved policy change,
// then roll its policy back with one click. On incident-assistant, so the rollback specs on
// support-assistant never meet this rollout under the one-rollout-in-flight rule.
const SLUG = "incident-assistant";
const NAME = "Incident assistant";
const KINDS = ["Prompt", "Retrieval", "Policy", "Tool permissions", "Routing"];

async function signedInPage(browser: Browser, baseURL: string | undefined, role: Role): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await loginAs(page, role);
  return { context, page };
}

async function liveVersions(releases: ServiceReleasesPage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of KINDS) out[kind] = ((await releases.versionLink(kind).textContent()) ?? "").trim();
  return out;
}

test("an operator starts the rollout of an approved policy change and rolls its policy back with one click", async ({ page, browser, baseURL, request }) => {
  test.setTimeout(180_000);
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;

  // The live bundle before anything happens.
  await loginAs(page, "operator");
  const releases = new ServiceReleasesPage(page);
  await releases.goto(SLUG);
  await releases.expectShown(SLUG, NAME);
  const before = await liveVersions(releases);

  // The author proposes a new policy version (high risk).
  const author = await signedInPage(browser, baseURL, "author");
  let number: number;
  let crId: string;
  try {
    const form = new ChangeRequestFormPage(author.page);
    await form.goto();
    await form.chooseService(SLUG);
    await form.title.fill(`Stricter escalation wording (e2e ${tag})`);
    await form.chooseKind(1, "policy");
    await form.useVersionSource(1, "new");
    await form.newVersionLabel(1).fill(`ops-sec-e2e-${tag}`);
    const editor = form.jsonEditor(1, "Policy");
    const live = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...live, refusalMessage: `I can't do that here (${tag}); page the on-call lead instead.` }, null, 2));
    await expect(author.page.getByText("✓ Valid policy configuration")).toBeVisible();
    await form.rollbackPlan.fill(`Roll the policy back to ${before.Policy} with the one-click rollback if false refusals rise.`);
    await expect(form.riskTier).toHaveText("high risk");
    number = await form.submitForReview();
    crId = await new ChangeRequestPage(author.page).changeRequestId();
    // The rollback_plan gate waits for a rollback rehearsal of this revision.
    await author.page.getByRole("button", { name: "Rehearse rollback" }).click();
    await expect(author.page.getByRole("status").filter({ hasText: "Rollback rehearsal passed" })).toContainText(`Policy → ${before.Policy}`);
  } finally {
    await author.context.close();
  }

  // Passing offline evaluation results, through the API with the service's token.
  const evidence = await request.post(`/api/v1/change-requests/${crId}/evidence`, {
    headers: { Authorization: `Bearer ${serviceToken(SLUG)}` },
    data: {
      revision: 1,
      result: {
        evalSet: "incident-offline",
        commit: `e2e${tag}`,
        segments: [{ name: "triage", total: 100, passed: 98 }],
        regressions: [],
        latencyDeltaPct: 0.5,
        tokenCostDeltaPct: 0,
        userVisibleChanges: ["Refusals point to the on-call lead"],
      },
    },
  });
  expect(evidence.status(), await evidence.text()).toBe(201);

  // A reviewer and a security reviewer approve.
  for (const role of ["reviewer", "security_reviewer"] as const) {
    const reviewer = await signedInPage(browser, baseURL, role);
    try {
      const view = new ChangeRequestPage(reviewer.page);
      await view.goto(number);
      await view.approveButton.click();
      await expect(view.decisionStatus).toContainText(/approval is recorded|is now approved/);
    } finally {
      await reviewer.context.close();
    }
  }

  // The operator sees the pre-canary gates passed and the deploy window, then starts the rollout.
  const detail = new ChangeRequestPage(page);
  await detail.goto(number);
  await expect(detail.state("Approved")).toBeVisible();
  const rollout = new RolloutPanel(page);
  await expect(rollout.preCanaryGates.getByRole("listitem")).toHaveCount(3);
  await expect(rollout.preCanaryGates.locator("li[data-passed=false]")).toHaveCount(0);
  await expect(rollout.deployWindow).toHaveText(/^Deploy window: (open until \d\d:\d\d|closed: opens \w{3} \d\d:\d\d) America\/New_York$/);
  // The test must not depend on the wall clock: outside the window, the operator overrides it.
  if ((await rollout.deployWindow.getAttribute("data-open")) === "false") {
    await rollout.emergencyReason.fill(`e2e ${tag}: exercising the rollout path outside the window`);
  } else {
    await expect(rollout.emergencyReason).toHaveCount(0);
  }
  await expect(async () => {
    await rollout.startButton.click();
    await expect(detail.state("Rolling out · stage 1")).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(rollout.stage).toHaveText("Canary 1% — stage 1 of 3");
  await expect(rollout.promoteButton).toHaveCount(0);
  await shoot(page, "cr-rolling-out");

  // One click, a preset reason: only the policy is rolled back.
  const title = `Roll back policy to ${before.Policy}`;
  const button = rollout.rollbackButton("policy");
  await expect(button).toHaveText(title);
  const dialog = new RollbackDialog(page, title);
  await dialog.openWith(button);
  await dialog.pickReason("false refusal spike");
  await dialog.confirm.click();
  const newRelease = await dialog.expectRolledBack();
  await dialog.close();
  await expect(detail.state("Rolled back")).toBeVisible();
  await expect(rollout.stage).toHaveText("Rolled back");
  await expect(page.getByRole("button", { name: /^Roll back / })).toHaveCount(0);
  await shoot(page, "cr-rolled-back");

  // The Releases page: the new manifest on top, and against the release it replaces only the policy differs.
  await releases.goto(SLUG);
  const history = page.getByRole("table", { name: "Release manifests, newest first" });
  const newest = history.getByRole("row").nth(1);
  await expect(newest).toContainText(newRelease);
  await expect(newest).toContainText(`Rolled back policy to ${before.Policy}: false refusal spike`);
  expect(await liveVersions(releases)).toEqual(before);
  await newest.getByRole("link", { name: /^Compare .* with the release it replaces/ }).click();
  await expect(page.getByText("1 of 5 components differ.")).toBeVisible();
  const comparison = page.getByRole("table", { name: new RegExp(`^Components of rel_\\w+ compared with ${newRelease}$`) });
  const row = (kind: string) => comparison.getByRole("row").filter({ has: page.getByRole("cell", { name: kind, exact: true }) });
  await expect(row("Policy")).toContainText("changed");
  for (const kind of KINDS.filter((k) => k !== "Policy")) await expect(row(kind)).toContainText("same");

  // A viewer sees the change request but no rollout controls.
  const viewer = await signedInPage(browser, baseURL, "viewer");
  try {
    const asViewer = new ChangeRequestPage(viewer.page);
    await asViewer.goto(number);
    await expect(viewer.page.getByTestId("rollout-panel")).toHaveCount(0);
    await expect(viewer.page.getByRole("button", { name: /^(Start rollout|Roll back |Promote)/ })).toHaveCount(0);
  } finally {
    await viewer.context.close();
  }
});
