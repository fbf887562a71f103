import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import type { Role } from "@/lib/auth/permissions";
import { expect, loginAs, serviceToken, shoot, test } from "./fixtures";
import { ChangeRequestFormPage } from "./pages/change-request-form-page";
import { ChangeRequestPage } from "./pages/change-request-page";
import { ServiceReleasesPage } from "./pages/releases-pages";
import { RollbackDialog } from "./pages/rollback-dialog";
import { RolloutPanel } from "./pages/rollout-panel";

// SPEC §3 end to end: an approved policy change rolls out to its 1% canary, the traffic
// simulator (an LLM service using the SDK and the ingestion API) reports a false-refusal spike,
// the canary judge in the server freezes the rollout by itself, the canary page shows the failing
// metrics with numbers, and the operator rolls the policy back with one click. On
// support-assistant: rollout.spec runs its rollout on incident-assistant (one rollout per service).
const SLUG = "support-assistant";

async function signedInPage(browser: Browser, baseURL: string | undefined, role: Role): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await loginAs(page, role);
  return { context, page };
}

/** The simulator as a service would run it, against the e2e server; output kept for a failure message. */
function simulate(baseURL: string, scenario: string): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(
    process.execPath,
    [path.resolve("node_modules/tsx/dist/cli.mjs"), "lib/simulator/cli.ts", "--service", SLUG, "--scenario", scenario, "--base-url", baseURL, "--token", serviceToken(SLUG), "--rate", "2500", "--duration", "150", "--seed", "e2e"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

test("a false-refusal spike freezes the canary by itself; the operator rolls the policy back with one click", async ({ page, browser, baseURL, request }) => {
  test.setTimeout(420_000);
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;

  // The admin makes stages short and passing stages wait for an operator (manual mode), so the
  // journey shows a stage passing, the operator advancing it, and then the freeze.
  const admin = await signedInPage(browser, baseURL, "admin");
  try {
    await admin.page.goto(`/settings/services/${SLUG}`);
    const rules = admin.page.getByRole("form", { name: "Canary rules" });
    await rules.getByLabel("Minimum stage duration").fill("1");
    await rules.getByLabel("Minimum canary requests per stage").fill("200");
    await rules.getByLabel("wait for an operator (manual)").check();
    await rules.getByRole("button", { name: "Save canary rules" }).click();
    await expect(rules.getByRole("status")).toContainText("Saved.");
  } finally {
    await admin.context.close();
  }

  await loginAs(page, "operator");
  const releases = new ServiceReleasesPage(page);
  await releases.goto(SLUG);
  const livePolicy = ((await releases.versionLink("Policy").textContent()) ?? "").trim();

  // The author proposes a stricter policy and rehearses its rollback.
  const author = await signedInPage(browser, baseURL, "author");
  let number: number;
  let crId: string;
  try {
    const form = new ChangeRequestFormPage(author.page);
    await form.goto();
    await form.chooseService(SLUG);
    await form.title.fill(`Stricter refund refusals (e2e ${tag})`);
    await form.chooseKind(1, "policy");
    await form.useVersionSource(1, "new");
    await form.newVersionLabel(1).fill(`sec-canary-e2e-${tag}`);
    const editor = form.jsonEditor(1, "Policy");
    const live = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...live, refusalMessage: `I can't help with refunds here (${tag}).` }, null, 2));
    await expect(author.page.getByText("✓ Valid policy configuration")).toBeVisible();
    await form.rollbackPlan.fill(`Roll the policy back to ${livePolicy} with one click if false refusals rise.`);
    number = await form.submitForReview();
    crId = await new ChangeRequestPage(author.page).changeRequestId();
    await author.page.getByRole("button", { name: "Rehearse rollback" }).click();
    await expect(author.page.getByRole("status").filter({ hasText: "Rollback rehearsal passed" })).toBeVisible();
  } finally {
    await author.context.close();
  }

  const evidence = await request.post(`/api/v1/change-requests/CR-${number}/evidence`, {
    headers: { Authorization: `Bearer ${serviceToken(SLUG)}` },
    data: { revision: 1, result: { segments: [{ name: "refunds", total: 120, passed: 118 }], regressions: [], latencyDeltaPct: 0.4, tokenCostDeltaPct: 0, userVisibleChanges: [] } },
  });
  expect(evidence.status(), await evidence.text()).toBe(201);
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

  // The operator starts the rollout (overriding the window if the clock says it is closed).
  const detail = new ChangeRequestPage(page);
  await detail.goto(number);
  const rollout = new RolloutPanel(page);
  if ((await rollout.deployWindow.getAttribute("data-open")) === "false") {
    await rollout.emergencyReason.fill(`e2e ${tag}: canary freeze journey outside the window`);
  }
  await expect(async () => {
    await rollout.startButton.click();
    await expect(detail.state("Rolling out · stage 1")).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(rollout.stage).toHaveText("Canary 1% — stage 1 of 3");

  // The canary page while the canary has too little data to judge.
  await page.goto(`/change-requests/${number}/canary`);
  await expect(page.getByTestId("verdict-table")).toBeVisible();
  await shoot(page, "canary-waiting");

  // Healthy traffic: the judge passes the 1% stage and, in manual mode, waits for the operator.
  const healthy = simulate(baseURL!, "healthy");
  try {
    await expect(async () => {
      await detail.goto(number);
      await expect(page.getByRole("button", { name: "Advance to 5%" })).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 150_000, intervals: [3_000] });
  } catch (err) {
    throw new Error(`The healthy stage did not pass. Simulator output:\n${healthy.output().slice(-3_000)}\n${String(err)}`);
  } finally {
    healthy.child.kill("SIGTERM");
  }
  await page.goto(`/change-requests/${number}/canary`);
  // The ladder: the 1% stage passed and waits for the operator; the rule metrics were judged.
  await expect(page.getByTestId("stage-ladder").locator('[data-percent="1"]')).toHaveAttribute("data-status", "passed_waiting");
  await expect(page.getByTestId("verdict-table").locator('[data-metric="resolved_rate"]')).toContainText(/\d+(\.\d+)?%/);
  await shoot(page, "canary-passing");
  await page.getByTestId("rollout-panel").getByRole("button", { name: "Advance to 5%" }).click();
  await expect(page.getByTestId("rollout-panel").getByTestId("rollout-stage")).toHaveText("Canary 5% — stage 2 of 3");

  // The service's traffic with the spike on the canary arm; the judge freezes the rollout by itself.
  const sim = simulate(baseURL!, "false-refusal-spike");
  try {
    await expect(async () => {
      await detail.goto(number);
      await expect(page.getByTestId("hold-banner")).toHaveAttribute("data-kind", "frozen", { timeout: 1_000 });
    }).toPass({ timeout: 150_000, intervals: [3_000] });
  } catch (err) {
    throw new Error(`The canary did not freeze. Simulator output:\n${sim.output().slice(-3_000)}\n${String(err)}`);
  } finally {
    sim.child.kill("SIGTERM");
  }
  const banner = page.getByTestId("hold-banner");
  await expect(banner).toContainText("Rollout frozen at the 5% stage by Changegate canary judge");
  await expect(banner).toContainText(/false_refusal_rate \d+(\.\d+)?% vs baseline \d+(\.\d+)?%/);
  await expect(detail.state("Paused")).toBeVisible();

  // The canary page names the failing metrics with their numbers.
  await page.goto(`/change-requests/${number}/canary`);
  const table = page.getByTestId("verdict-table");
  const falseRefusals = table.locator('[data-metric="false_refusal_rate"]');
  await expect(falseRefusals).toHaveAttribute("data-verdict", "fail");
  await expect(falseRefusals).toContainText(/\d+(\.\d+)?%/);
  const resolved = table.locator('[data-metric="resolved_rate"]');
  await expect(resolved).toContainText(/\d+(\.\d+)?%/);
  await shoot(page, "canary-frozen");

  // The frozen stage's falsely refused requests become eval cases, once.
  const addCases = page.getByRole("form", { name: "Add failing cases to an eval set" });
  await addCases.getByRole("button", { name: "Add failing cases to eval set" }).click();
  await expect(addCases.getByRole("status")).toHaveText(/^Added \d+ failing cases? to .+\.$/);
  await addCases.getByRole("button", { name: "Add failing cases to eval set" }).click();
  await expect(addCases.getByRole("status")).toHaveText(/^No new failing cases \(\d+ already there\) to .+\.$/);

  // One click rolls the policy back; the change request is rolled back.
  const title = `Roll back policy to ${livePolicy}`;
  const dialog = new RollbackDialog(page, title);
  await dialog.openWith(page.getByTestId("rollout-panel").getByRole("button", { name: title }));
  await dialog.pickReason("false refusal spike");
  await dialog.confirm.click();
  await dialog.expectRolledBack();
  await dialog.close();
  await detail.goto(number);
  await expect(detail.state("Rolled back")).toBeVisible();
  await releases.goto(SLUG);
  await expect(releases.versionLink("Policy")).toHaveText(livePolicy);
  expect(crId).toMatch(/^[0-9a-f-]{36}$/);
});
