import type { Browser, BrowserContext, Page, Request } from "@playwright/test";
import type { Role } from "@/lib/auth/permissions";
import { demoUser, expect, loginAs as signIn, serviceToken, shoot, test } from "./fixtures";
import { ChangeRequestFormPage } from "./pages/change-request-form-page";
import { ChangeRequestPage } from "./pages/change-request-page";

// Authoring and reviewing change requests: the tier and gates come from the server, four eyes
// hold against a forged request, the release rules refuse what they must, and offline results
// reach the gate through the API and the upload form.

const FORBIDDEN_HEADING = "You don’t have access to this page";
const HIGH_GATES = ["Security review", "Offline evaluation", "Canary 1%", "Canary 5%", "Canary 10%", "Rollback plan"];
const HIGH_GATE_KEYS = ["security_review", "offline_eval", "canary:1", "canary:5", "canary:10", "rollback_plan"];
const LOW_GATES = ["Offline smoke test", "Canary 10%"];
const LOW_GATE_KEYS = ["offline_smoke", "canary:10"];

/** Unique per test run and test, so titles, labels and contents never collide. */
function uniqueTag(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
}

/** A second signed-in browser for another role, closed by the caller. */
async function signedInPage(browser: Browser, baseURL: string | undefined, role: Role): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, role);
  return { context, page };
}

test.describe("change requests", () => {
  test("a policy change is high risk and needs a reviewer and a security reviewer; the author's forged approval is refused", async ({
    page,
    browser,
    baseURL,
    loginAs,
    shoot: shootOwn,
  }) => {
    test.setTimeout(120_000);
    const tag = uniqueTag();
    const title = `Tighten the refusal message (e2e ${tag})`;
    const refusalMessage = `I can't help with that here (${tag}); a member of our support team can. Shall I connect you?`;

    // The author writes a policy change.
    await loginAs("author");
    const form = new ChangeRequestFormPage(page);
    await form.goto();
    await form.chooseService("support-assistant");
    await form.title.fill(title);
    await form.chooseKind(1, "policy");
    await form.useVersionSource(1, "new");
    await form.newVersionLabel(1).fill(`sec-e2e-${tag}`);
    const editor = form.jsonEditor(1, "Policy");
    const live = JSON.parse(await editor.inputValue()) as { rules: unknown[]; refusalMessage: string };
    expect(live.rules.length, "the editor starts from the live policy").toBeGreaterThan(0);
    expect(live.refusalMessage).not.toBe(refusalMessage);
    await editor.fill(JSON.stringify({ ...live, refusalMessage }, null, 2));
    await expect(page.getByText("✓ Valid policy configuration")).toBeVisible();
    await form.rollbackPlan.fill("Roll the policy back to the live version with the one-click rollback if false refusals rise.");

    // Before anything is saved, the live preview already says high, why, and which gates.
    await expect(form.riskTier).toHaveText("high risk");
    await expect(form.riskReasons).toContainText("Changes the policy component (policy changes are high risk)");
    await expect(form.requiredGateLabels).toHaveText(HIGH_GATES);
    await expect(form.ruleWarnings).toHaveCount(0);
    // The whole form from the top (filling the rollback plan scrolled the window down, and the
    // sticky nav and preview would be pictured where the scroll left them).
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    await shootOwn("cr-new-policy");

    const number = await form.submitForReview();

    // The server's verdict on the page: high, with reasons and the high gates checklist.
    const detail = new ChangeRequestPage(page);
    await detail.expectShown(number);
    await expect(detail.heading).toHaveText(title);
    await expect(detail.state("In review")).toBeVisible();
    await expect(detail.riskTier).toHaveAttribute("data-tier", "high");
    await expect(detail.riskTier).toHaveText("high risk");
    await expect(detail.riskReasons).toContainText("Changes the policy component (policy changes are high risk)");
    await expect(detail.gateRows.locator("h3")).toHaveText(HIGH_GATES);
    expect(await detail.gateKeys()).toEqual(HIGH_GATE_KEYS);
    await expect(detail.gate("security_review")).toHaveAttribute("data-status", "pending");
    // The rollback plan gate waits for a rollback rehearsal of this revision; the author runs it.
    await expect(detail.gate("rollback_plan")).toHaveAttribute("data-status", "pending");
    await page.getByRole("button", { name: "Rehearse rollback" }).click();
    await expect(page.getByRole("status").filter({ hasText: "rollback rehearsal passed" })).toContainText("Policy → ");
    await expect(detail.gate("rollback_plan")).toHaveAttribute("data-status", "passed");
    await expect(detail.componentDiffs).toHaveCount(1);
    await expect(detail.componentDiffs.first()).toHaveAttribute("data-kind", "policy");
    await expect(detail.componentDiffs.first()).toContainText(refusalMessage);
    await expect(detail.approvalNeeds).toContainText("0 of 2 approvals");

    // The author cannot approve their own change: no decision panel, no Approve button.
    await expect(detail.decisionForm).toHaveCount(0);
    await expect(detail.approveButton).toHaveCount(0);
    const crId = await detail.changeRequestId();

    const reviewer = await signedInPage(browser, baseURL, "reviewer");
    const security = await signedInPage(browser, baseURL, "security_reviewer");
    try {
      // The reviewer's Approve is captured on its way out and never reaches the server…
      const reviewerView = new ChangeRequestPage(reviewer.page);
      await reviewerView.goto(number);
      await expect(reviewerView.approveButton).toBeVisible();
      const pagePattern = `**${ChangeRequestPage.path(number)}`;
      let captured: Request | undefined;
      await reviewer.page.route(pagePattern, async (route) => {
        const request = route.request();
        if (request.method() === "POST" && request.headers()["next-action"]) {
          captured = request;
          await route.abort();
        } else {
          await route.continue();
        }
      });
      await reviewerView.approveButton.click();
      await expect.poll(() => captured, { message: "the Approve server action request" }).toBeDefined();
      await reviewer.page.unroute(pagePattern);
      const action = captured!;
      const body = action.postDataBuffer();
      expect(body?.toString(), "the captured request approves this change request").toContain(crId);
      expect(body?.toString()).toContain('"approved"');

      // …and is sent again, byte for byte, with the author's session: refused.
      const sent = await action.allHeaders();
      const headers = Object.fromEntries(
        Object.entries(sent).filter(([name]) =>
          ["accept", "content-type", "next-action", "next-router-state-tree", "origin", "referer"].includes(name),
        ),
      );
      const forged = await page.request.post(action.url(), { headers, data: body });
      const answer = await forged.text();
      expect(answer).toContain('"code":"forbidden"');
      expect(answer).toMatch(
        /You wrote this change request; someone else must approve it\.|Your role \(Author\) cannot review change requests\./,
      );
      test.info().annotations.push({ type: "forged approval refused", description: answer.match(/"message":"([^"]*)"/)?.[1] ?? answer.slice(0, 200) });

      // No approval was recorded, by anyone.
      await reviewerView.goto(number);
      await expect(reviewer.page.getByRole("heading", { name: "Decisions (0)" })).toBeVisible();
      await expect(reviewerView.approvals).toHaveCount(0);
      await expect(reviewerView.approvalNeeds).toContainText("0 of 2 approvals");
      await expect(reviewerView.state("In review")).toBeVisible();

      // The reviewer approves for real: recorded, but a security reviewer must still approve.
      await reviewerView.comment.fill("The new refusal wording reads well.");
      await reviewerView.approveButton.click();
      await expect(reviewerView.decisionStatus).toHaveText(
        "Your approval is recorded. Still waiting for an approval from a security reviewer.",
      );
      await reviewerView.goto(number);
      await expect(reviewerView.approvals).toHaveCount(1);
      await expect(reviewerView.approvals.first()).toHaveAttribute("data-decision", "approved");
      await expect(reviewerView.approvals.first()).toContainText(demoUser("reviewer").name);
      await expect(reviewerView.approvalNeeds).toContainText("1 of 2 approvals · security 0 of 1");
      await expect(reviewerView.approvalNeeds).toContainText("An approval from a security reviewer");
      await expect(reviewerView.state("In review")).toBeVisible();
      await expect(reviewerView.approveButton).toHaveCount(0);
      await expect(reviewerView.gate("security_review")).toHaveAttribute("data-status", "pending");

      // The security reviewer sees the review page, then approves: the change request is approved.
      const securityView = new ChangeRequestPage(security.page);
      await securityView.goto(number);
      await expect(securityView.approvalNeeds).toContainText("An approval from a security reviewer");
      await expect(securityView.approveButton).toBeVisible();
      await shoot(security.page, "cr-review");
      await securityView.approveButton.click();
      await expect(securityView.decisionStatus).toHaveText(
        `Approved. CR-${number} is now approved and waits for an operator to start the rollout.`,
      );
      await securityView.goto(number);
      await expect(securityView.state("Approved")).toBeVisible();
      await expect(securityView.approvals).toHaveCount(2);
      await expect(securityView.approvalNeeds).toContainText("Nobody: the approvals for revision 1 are complete.");
      await expect(securityView.gate("security_review")).toHaveAttribute("data-status", "passed");
    } finally {
      await reviewer.context.close();
      await security.context.close();
    }

    // The author sees the same outcome.
    await detail.goto(number);
    await expect(detail.state("Approved")).toBeVisible();
    await expect(detail.gate("security_review")).toHaveAttribute("data-status", "passed");
  });

  test("a prompt change is low risk with a smoke test and one canary", async ({ page, loginAs }) => {
    const tag = uniqueTag();
    const title = `Clarify delivery delays (e2e ${tag})`;
    await loginAs("author");
    const form = new ChangeRequestFormPage(page);
    await form.goto();
    await form.chooseService("support-assistant");
    await form.title.fill(title);
    await form.chooseKind(1, "prompt");
    await form.useVersionSource(1, "new");
    await form.newVersionLabel(1).fill(`assist-e2e-${tag}`);
    const instructions = form.instructions(1);
    const live = await instructions.inputValue();
    expect(live.length, "the instruction text starts from the live prompt").toBeGreaterThan(0);
    const addition = `When a delivery is late, say so plainly and give the new date (${tag}).`;
    await instructions.fill(`${live}\n${addition}`);

    await expect(form.riskTier).toHaveText("low risk");
    await expect(form.riskReasons).toContainText("Only the prompt changes");
    await expect(form.requiredGateLabels).toHaveText(LOW_GATES);

    const number = await form.submitForReview();
    const detail = new ChangeRequestPage(page);
    await detail.expectShown(number);
    await expect(detail.heading).toHaveText(title);
    await expect(detail.state("In review")).toBeVisible();
    await expect(detail.riskTier).toHaveAttribute("data-tier", "low");
    await expect(detail.riskTier).toHaveText("low risk");
    await expect(detail.riskReasons).toContainText("Only the prompt changes");
    await expect(detail.gateRows.locator("h3")).toHaveText(LOW_GATES);
    expect(await detail.gateKeys()).toEqual(LOW_GATE_KEYS);
    await expect(detail.componentDiffs).toHaveCount(1);
    await expect(detail.componentDiffs.first()).toHaveAttribute("data-kind", "prompt");
    await expect(detail.componentDiffs.first()).toContainText(addition);
    await expect(detail.approvalNeeds).toContainText("0 of 1 approvals");
  });

  test("a change request with three components is refused with the release rule's message", async ({ page, loginAs }) => {
    const tag = uniqueTag();
    const title = `Three at once (e2e ${tag})`;
    const rule = "A change request can change at most 2 components; this one changes 3.";
    await loginAs("author");
    const form = new ChangeRequestFormPage(page);
    await form.goto();
    await form.chooseService("support-assistant");
    await form.title.fill(title);
    await form.rollbackPlan.fill("Roll every component back to its live version with the one-click rollback.");
    const kinds = ["prompt", "retrieval", "routing"];
    for (const [i, kind] of kinds.entries()) {
      const n = i + 1;
      if (n > 1) await form.addComponentButton.click();
      await form.chooseKind(n, kind);
      await form.useVersionSource(n, "existing");
      await form.chooseFirstExistingVersion(n);
    }
    await expect(page.getByText("3 components · at most 2, each kind once")).toBeVisible();
    // The preview warns before saving; the server is what refuses.
    await expect(form.ruleWarnings).toHaveText(rule);

    let actions = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"]) actions++;
    });
    await form.submitButton.click();
    await expect(form.formError).toContainText("Not saved");
    await expect(form.formError).toContainText(rule);
    expect(actions, "the form was sent to the server, which refused it").toBe(1);
    await expect(page).toHaveURL(/\/change-requests\/new$/);

    // Nothing was created under that title.
    await page.goto("/change-requests?service=support-assistant");
    await expect(page.getByRole("heading", { name: "Change requests", level: 1 })).toBeVisible();
    await expect(page.getByRole("table", { name: "Change requests" })).toBeVisible();
    await expect(page.getByText(title)).toHaveCount(0);
  });

  test("bad input is shown at the field: malformed policy JSON is never sent, an empty title is refused", async ({ page, loginAs }) => {
    await loginAs("author");
    const form = new ChangeRequestFormPage(page);
    await form.goto();
    await form.chooseService("support-assistant");
    await form.chooseKind(1, "policy");
    await form.useVersionSource(1, "new");
    const editor = form.jsonEditor(1, "Policy");
    const valid = await editor.inputValue();
    await editor.fill(valid.replace(/"refusalMessage"/, "refusalMessage"));

    // The editor says so at once, under the field and as the field's description.
    await expect(editor).toHaveAttribute("aria-invalid", "true");
    await expect(form.fieldError("component-1-json")).toContainText("Not valid JSON");
    await expect(editor).toHaveAccessibleDescription(/Not valid JSON/);

    let actions = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"]) actions++;
    });
    await form.title.fill("Malformed JSON never leaves the browser");
    await form.submitButton.click();
    await expect(form.formError).toContainText("Component 1's configuration is not valid JSON, so nothing was sent.");
    await expect(page).toHaveURL(/\/change-requests\/new$/);
    expect(actions, "no server action was sent").toBe(0);

    // Valid JSON again, but no title: the server refuses and the title field says why.
    await editor.fill(JSON.stringify({ ...JSON.parse(valid), refusalMessage: `A new refusal message ${uniqueTag()}` }, null, 2));
    await expect(form.fieldError("component-1-json")).toHaveCount(0);
    await form.title.fill("");
    await form.submitButton.click();
    await expect(form.fieldError("cr-title")).toHaveText(/Give the change request a title/);
    await expect(form.title).toHaveAttribute("aria-invalid", "true");
    await expect(form.title).toHaveAccessibleDescription(/Give the change request a title/);
    await expect(form.formError).toBeVisible();
    await expect(page).toHaveURL(/\/change-requests\/new$/);
    expect(actions, "the second attempt reached the server").toBe(1);
  });

  test("offline results reach the smoke-test gate through the API and the upload form", async ({ page, loginAs, request }) => {
    const tag = uniqueTag();
    await loginAs("author");
    const form = new ChangeRequestFormPage(page);
    const number = await form.createPromptChange({
      title: `Shorter greetings (e2e ${tag})`,
      label: `assist-e2e-${tag}`,
      marker: `Keep greetings to one short sentence (${tag}).`,
    });
    const detail = new ChangeRequestPage(page);
    await detail.expectShown(number);
    await expect(detail.gate("offline_smoke")).toHaveAttribute("data-status", "pending");
    const id = await detail.changeRequestId();
    const url = `/api/v1/change-requests/${id}/evidence`;
    const passing = {
      evalSet: "support-smoke",
      commit: `e2e${tag}`,
      segments: [
        { name: "orders", total: 60, passed: 60 },
        { name: "billing", total: 40, passed: 40 },
      ],
      regressions: [],
      latencyDeltaPct: 1.5,
      tokenCostDeltaPct: -2,
      userVisibleChanges: ["Greetings are one sentence"],
    };
    const bearer = (service: string) => ({ Authorization: `Bearer ${serviceToken(service)}` });

    // Another service's token: refused.
    const otherService = await request.post(url, { headers: bearer("incident-assistant"), data: { revision: 1, result: passing } });
    expect(otherService.status()).toBe(403);
    const refused = (await otherService.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe("forbidden");
    expect(refused.error.message).toContain('This token belongs to service "incident-assistant"');

    // The right token but a revision that does not exist: a conflict.
    const wrongRevision = await request.post(url, { headers: bearer("support-assistant"), data: { revision: 2, result: passing } });
    expect(wrongRevision.status()).toBe(409);
    const conflict = (await wrongRevision.json()) as { error: { code: string; message: string } };
    expect(conflict.error.code).toBe("conflict");
    expect(conflict.error.message).toBe(`CR-${number} has no revision 2; its current revision is 1.`);

    // Nothing of either landed on the gate.
    await detail.goto(number);
    await expect(detail.gate("offline_smoke")).toHaveAttribute("data-status", "pending");

    // Passing results for revision 1: accepted, judged, and the gate passes.
    const accepted = await request.post(url, { headers: bearer("support-assistant"), data: { revision: 1, result: passing } });
    expect(accepted.status()).toBe(201);
    const verdict = (await accepted.json()) as { gate: string; passed: boolean; summary: string; checks: { name: string; passed: boolean }[] };
    expect(verdict.gate).toBe("offline_smoke");
    expect(verdict.passed).toBe(true);
    expect(verdict.summary).toMatch(/^Passed: 100\.0% of 100 cases passed/);
    expect(verdict.checks.map((c) => c.name)).toContain("Overall pass rate");

    await detail.goto(number);
    const smoke = detail.gate("offline_smoke");
    await expect(smoke).toHaveAttribute("data-status", "passed");
    await expect(smoke).toContainText(verdict.summary);
    await expect(smoke.getByText("Evidence", { exact: true })).toBeVisible();

    // The author uploads failing results as a file through the form: the verdict says why, and the gate fails.
    const failing = {
      evalSet: "support-smoke",
      segments: [{ name: "billing", total: 40, passed: 20 }],
      regressions: [{ caseId: `refund-window-${tag}`, segment: "billing", severity: "critical", summary: "Promises a refund outside the window" }],
      latencyDeltaPct: 2,
      tokenCostDeltaPct: 0,
    };
    await detail.openUpload();
    await detail.resultsFile.setInputFiles({
      name: "smoke-results.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(failing, null, 2)),
    });
    await expect(detail.resultsJson).toHaveValue(/refund-window-/);
    await detail.uploadButton.click();
    await expect(detail.evidenceVerdict).toContainText("Gate failed");
    await expect(detail.evidenceVerdict).toContainText("Failed: overall pass rate 50.0%");
    await expect(detail.evidenceVerdict).toContainText(`critical regression in case "refund-window-${tag}"`);
    const checks = detail.evidenceVerdict.getByRole("list", { name: "Checks" });
    await expect(checks.getByRole("listitem").filter({ hasText: "Overall pass rate" })).toContainText("(failed)");
    await expect(checks.getByRole("listitem").filter({ hasText: "Critical regressions" })).toContainText("(failed)");
    await expect(detail.gate("offline_smoke")).toHaveAttribute("data-status", "failed");

    await detail.goto(number);
    await expect(detail.gate("offline_smoke")).toHaveAttribute("data-status", "failed");
    await expect(detail.gate("offline_smoke")).toContainText("Failed: overall pass rate 50.0%");
  });

  test("a viewer reads a change request but cannot decide, upload, edit or author", async ({ page, browser, baseURL, loginAs }) => {
    const tag = uniqueTag();
    await loginAs("author");
    const number = await new ChangeRequestFormPage(page).createPromptChange({
      title: `Friendlier sign-off (e2e ${tag})`,
      label: `assist-e2e-${tag}`,
      marker: `Sign off with the customer's first name (${tag}).`,
    });

    // What the others see on this page, so the viewer's page is missing something real.
    const asAuthor = new ChangeRequestPage(page);
    await asAuthor.expectShown(number);
    await expect(asAuthor.editLink).toBeVisible();
    await expect(asAuthor.uploadForm).toBeVisible();
    const reviewer = await signedInPage(browser, baseURL, "reviewer");
    try {
      const asReviewer = new ChangeRequestPage(reviewer.page);
      await asReviewer.goto(number);
      await expect(asReviewer.decisionForm).toBeVisible();
      await expect(asReviewer.approveButton).toBeVisible();
    } finally {
      await reviewer.context.close();
    }

    const viewer = await signedInPage(browser, baseURL, "viewer");
    try {
      const asViewer = new ChangeRequestPage(viewer.page);
      await asViewer.goto(number);
      await expect(asViewer.heading).toHaveText(`Friendlier sign-off (e2e ${tag})`);
      await expect(asViewer.gateRows).toHaveCount(2);
      await expect(asViewer.approvalNeeds).toBeVisible();
      await expect(asViewer.decisionForm).toHaveCount(0);
      for (const button of [asViewer.approveButton, asViewer.requestChangesButton, asViewer.rejectButton]) {
        await expect(button).toHaveCount(0);
      }
      await expect(asViewer.uploadForm).toHaveCount(0);
      await expect(asViewer.uploadToggle).toHaveCount(0);
      await expect(asViewer.editLink).toHaveCount(0);
      await expect(asViewer.cancelButton).toHaveCount(0);

      // The list offers no "New change request", and the form itself is refused by the server.
      await viewer.page.goto("/change-requests");
      await expect(viewer.page.getByRole("heading", { name: "Change requests", level: 1 })).toBeVisible();
      await expect(viewer.page.getByRole("link", { name: "New change request" })).toHaveCount(0);
      const response = await viewer.page.goto(ChangeRequestFormPage.path);
      expect(response?.status(), "HTTP status of /change-requests/new for a viewer").toBe(403);
      await expect(viewer.page.getByRole("heading", { name: FORBIDDEN_HEADING, level: 1 })).toBeVisible();
      await expect(viewer.page.getByRole("heading", { name: "New change request" })).toHaveCount(0);
      await expect(viewer.page.getByRole("button", { name: "Submit for review" })).toHaveCount(0);
    } finally {
      await viewer.context.close();
    }
  });
});
