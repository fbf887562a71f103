import { expect, type Locator, type Page } from "@playwright/test";

/**
 * `/change-requests/<number>`: the review page. Risk tier with reasons, component diffs, the
 * gates checklist, the evidence upload (for roles that may attach results), who still must
 * approve, the decision panel (for those who may decide) and the decisions so far.
 */
export class ChangeRequestPage {
  readonly heading: Locator;
  /** The line under the title: state and tier badges, revision, author, "Waiting for …". */
  readonly summary: Locator;
  readonly riskTier: Locator;
  readonly riskReasons: Locator;
  readonly componentDiffs: Locator;
  readonly gates: Locator;
  readonly gateRows: Locator;
  readonly approvalNeeds: Locator;
  readonly approvals: Locator;
  readonly decisionForm: Locator;
  readonly comment: Locator;
  readonly approveButton: Locator;
  readonly requestChangesButton: Locator;
  readonly rejectButton: Locator;
  /** The decision panel's answer after a decision (success or refusal). */
  readonly decisionStatus: Locator;
  readonly uploadToggle: Locator;
  readonly uploadForm: Locator;
  readonly resultsFile: Locator;
  readonly resultsJson: Locator;
  readonly uploadButton: Locator;
  readonly evidenceVerdict: Locator;
  readonly editLink: Locator;
  readonly cancelButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.summary = page.locator("h1 + p");
    this.riskTier = page.getByTestId("risk-tier");
    this.riskReasons = page.getByTestId("risk-reasons");
    this.componentDiffs = page.getByTestId("component-diff");
    this.gates = page.getByTestId("gates");
    this.gateRows = this.gates.getByTestId("gate");
    this.approvalNeeds = page.getByTestId("approval-needs");
    this.approvals = page.getByTestId("approval");
    this.decisionForm = page.getByRole("form", { name: /^Decide on revision \d+$/ });
    this.comment = this.decisionForm.getByRole("textbox", { name: "Comment" });
    this.approveButton = page.getByRole("button", { name: "Approve", exact: true });
    this.requestChangesButton = page.getByRole("button", { name: "Request changes", exact: true });
    this.rejectButton = page.getByRole("button", { name: "Reject", exact: true });
    this.decisionStatus = page.getByRole("complementary", { name: "Review" }).getByRole("status");
    this.uploadToggle = page.locator("summary", { hasText: "Attach offline evaluation results" });
    this.uploadForm = page.getByRole("form", { name: /^Upload .+ results$/ });
    this.resultsFile = this.uploadForm.getByLabel("Results file (.json)");
    this.resultsJson = this.uploadForm.getByRole("textbox", { name: "Or paste the results JSON" });
    this.uploadButton = this.uploadForm.getByRole("button", { name: "Upload results" });
    this.evidenceVerdict = page.getByTestId("evidence-verdict");
    this.editLink = page.getByRole("link", { name: /^Edit\b/ });
    this.cancelButton = page.getByRole("button", { name: "Cancel change request" });
  }

  static path(number: number): string {
    return `/change-requests/${number}`;
  }

  async goto(number: number) {
    await this.page.goto(ChangeRequestPage.path(number));
    await this.expectShown(number);
  }

  async expectShown(number: number) {
    await expect(this.page).toHaveURL(new RegExp(`/change-requests/${number}$`));
    await expect(this.heading).toBeVisible();
    await expect(this.page.getByText(`CR-${number}`, { exact: true }).first()).toBeVisible();
    await expect(this.riskTier).toBeVisible();
  }

  /** The state badge in the summary line, e.g. "In review". */
  state(label: string): Locator {
    return this.summary.getByText(label, { exact: true });
  }

  gate(key: string): Locator {
    return this.gates.locator(`[data-testid="gate"][data-gate="${key}"]`);
  }

  /** Each gate's key (`security_review`, `canary:1` …), in checklist order. */
  async gateKeys(): Promise<string[]> {
    return this.gateRows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-gate") ?? ""));
  }

  /**
   * The change request's id (a UUID), which the evidence API takes. The page does not print it;
   * it travels to the client components in the page's data, inlined when the page is loaded in
   * full (so the page is fetched again, with this browser's session).
   */
  async changeRequestId(): Promise<string> {
    const response = await this.page.request.get(this.page.url());
    expect(response.status()).toBe(200);
    const html = await response.text();
    const match = /changeRequestId\\*"\s*:\s*\\*"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(html);
    expect(match, "the change request id in the page data").not.toBeNull();
    return match![1]!;
  }

  /** Opens the (collapsible) evidence upload section. */
  async openUpload() {
    if (!(await this.uploadForm.isVisible())) await this.uploadToggle.click();
    await expect(this.uploadForm).toBeVisible();
  }
}
