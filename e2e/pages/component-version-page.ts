import { expect, type Locator, type Page } from "@playwright/test";

/** `/services/<slug>/components/<kind>/<versionId>`: a version's content and its diff against another. */
export class ComponentVersionPage {
  /** The section holding the "Compare with" form and the diff. */
  readonly diff: Locator;
  readonly diffChanges: Locator;
  readonly showDiffButton: Locator;
  /** Prompt versions: the instruction text under the "Instructions" heading of the Content card. */
  readonly instructions: Locator;

  constructor(readonly page: Page) {
    this.diff = page.getByTestId("component-diff");
    this.diffChanges = this.diff.getByTestId("diff-change");
    this.showDiffButton = this.diff.getByRole("button", { name: "Show diff" });
    this.instructions = page
      .getByRole("heading", { name: "Instructions", exact: true, level: 3 })
      .locator("xpath=following-sibling::*[1]");
  }

  async expectShown(kind: string, label: string) {
    await expect(this.page).toHaveURL(new RegExp(`/components/${kind}/[0-9a-f-]{36}(\\?|#|$)`));
    await expect(this.page.getByRole("heading", { name: label, level: 1 })).toBeVisible();
  }

  compareSelect(label: string): Locator {
    return this.diff.getByRole("combobox", { name: `Compare ${label} with` });
  }

  /**
   * Picks, in "Compare with", the oldest version that is not preselected (the list is newest
   * first), shows the diff and returns that version's label.
   */
  async compareWithAnotherVersion(label: string): Promise<string> {
    const select = this.compareSelect(label);
    const preselected = await select.inputValue();
    const options = await select.getByRole("option").evaluateAll((nodes) =>
      nodes.map((n) => ({ value: (n as HTMLOptionElement).value, text: n.textContent ?? "" })),
    );
    const other = options.filter((o) => o.value !== preselected).at(-1);
    if (!other) throw new Error(`"Compare ${label} with" offers no version besides the preselected one`);
    await select.selectOption(other.value);
    await this.showDiffButton.click();
    await expect(this.page).toHaveURL(new RegExp(`[?&]against=${other.value}`));
    // Option text reads "<label> · <date>[ · parent]".
    const otherLabel = other.text.split(" · ")[0]!.trim();
    await expect(this.diff.getByText(/^Changes from/)).toContainText(`Changes from ${otherLabel}`);
    return otherLabel;
  }
}
