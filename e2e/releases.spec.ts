import { SUPPORT_PROMPT_TEXT } from "@/db/seed/content/support-prompts";
import { expect, test } from "./fixtures";
import { ComponentVersionPage } from "./pages/component-version-page";
import { OverviewPage } from "./pages/overview-page";
import { ReleasesIndexPage, ServiceReleasesPage } from "./pages/releases-pages";

const SERVICES = [
  { slug: "support-assistant", name: "Support assistant" },
  { slug: "incident-assistant", name: "Incident assistant" },
];
// The five component kinds, in the order every bundle lists them.
const KINDS = ["Prompt", "Retrieval", "Policy", "Tool permissions", "Routing"];

const paragraphs = (text: string) => text.split("\n\n").filter((p) => p.trim() !== "");

test("an operator reads the live bundles and diffs a prompt and a policy version", async ({ page, loginAs, shell, shoot }) => {
  await loginAs("operator");

  // Overview: each service with its live bundle of five component versions.
  const overview = new OverviewPage(page);
  await overview.goto();
  for (const service of SERVICES) {
    await expect(overview.serviceHeading(service.name)).toBeVisible();
    const rows = overview.liveBundleRows(service.name);
    await expect(rows).toHaveCount(KINDS.length);
    for (const [i, kind] of KINDS.entries()) {
      await expect(rows.nth(i).getByRole("cell").first()).toHaveText(kind);
      await expect(rows.nth(i).getByRole("link")).toHaveText(/\S+-v\d/);
    }
  }
  await shoot("overview");

  // Releases → the support assistant's active manifest.
  await shell.navLink("Releases").click();
  const index = new ReleasesIndexPage(page);
  await index.expectShown();
  await expect(index.serviceLink("Incident assistant")).toBeVisible();
  await shoot("releases-index");
  await index.serviceLink("Support assistant").click();
  const releases = new ServiceReleasesPage(page);
  await releases.expectShown("support-assistant", "Support assistant");
  await expect(releases.liveComponentRows).toHaveCount(KINDS.length);
  for (const [i, kind] of KINDS.entries()) {
    await expect(releases.liveComponentRows.nth(i).getByRole("cell").first()).toHaveText(kind);
    await expect(releases.versionLink(kind)).toHaveText(/\S+-v\d/);
  }
  await shoot("releases");

  // The live prompt version shows its instructions.
  const promptLabel = (await releases.versionLink("Prompt").textContent())!.trim();
  const promptText = SUPPORT_PROMPT_TEXT[promptLabel as keyof typeof SUPPORT_PROMPT_TEXT];
  expect(promptText, `${promptLabel} is a prompt version of the demo`).toBeDefined();
  await releases.versionLink("Prompt").click();
  const version = new ComponentVersionPage(page);
  await version.expectShown("prompt", promptLabel);
  await expect(version.instructions).toHaveText(promptText);

  // Compare with another version: a line diff whose insertions and deletions are the paragraphs
  // that really differ between the two texts.
  const otherLabel = await version.compareWithAnotherVersion(promptLabel);
  const otherText = SUPPORT_PROMPT_TEXT[otherLabel as keyof typeof SUPPORT_PROMPT_TEXT];
  expect(otherText, `${otherLabel} is a prompt version of the demo`).toBeDefined();
  const added = paragraphs(promptText).filter((p) => !paragraphs(otherText).includes(p));
  const removed = paragraphs(otherText).filter((p) => !paragraphs(promptText).includes(p));
  expect(added.length + removed.length, `${otherLabel} and ${promptLabel} differ`).toBeGreaterThan(0);
  const lineDiff = version.diff.getByRole("table", { name: "Line diff of the instructions" });
  await expect(lineDiff.getByTestId("diff-change")).toHaveCount(added.length + removed.length);
  const insertions = lineDiff.getByRole("insertion");
  const deletions = lineDiff.getByRole("deletion");
  await expect(insertions).toHaveCount(added.length);
  await expect(deletions).toHaveCount(removed.length);
  for (const [i, text] of added.entries()) await expect(insertions.nth(i)).toHaveText(`Added: ${text}`);
  for (const [i, text] of removed.entries()) await expect(deletions.nth(i)).toHaveText(`Removed: ${text}`);
  await shoot("component-diff-prompt");

  // A policy version: JSON content, so the diff lists changed paths with their values.
  await page.getByRole("main").getByRole("link", { name: "support-assistant", exact: true }).click();
  await releases.expectShown("support-assistant", "Support assistant");
  const policyLabel = (await releases.versionLink("Policy").textContent())!.trim();
  await releases.versionLink("Policy").click();
  await version.expectShown("policy", policyLabel);
  await expect(page.getByText('"rules": [')).toBeVisible();
  const otherPolicy = await version.compareWithAnotherVersion(policyLabel);
  expect(otherPolicy).not.toBe(policyLabel);
  const changes = version.diff.getByRole("list", { name: "Changes to the policy configuration" });
  await expect(changes).toBeVisible();
  await expect(version.diffChanges.first()).toBeVisible();
  // Policies differ in their rules: every change names a rule by its path and id.
  const count = await version.diffChanges.count();
  for (let i = 0; i < count; i++) {
    await expect(version.diffChanges.nth(i)).toContainText(/rules\[\d+\]/);
  }
  // A rule only one side has shows its whole value (a rule added or removed).
  await expect(changes.getByRole("insertion").or(changes.getByRole("deletion")).first()).toContainText('"id":');
  await shoot("component-diff-policy");
});
