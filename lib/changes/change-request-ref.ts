/**
 * How an API caller names a change request: the number the pages show ("CR-42", or just 42) or
 * its id (a UUID). Pure; the lookup lives with the commands.
 */
export type ChangeRequestRef = { id: string } | { number: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** "CR-42", "cr-42", "CR42" or "42": up to 9 digits, as the change request page accepts. */
const NUMBER = /^(?:cr-?)?(\d{1,9})$/i;

export function parseChangeRequestRef(raw: string | number): ChangeRequestRef | null {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw > 0 && raw < 1e9 ? { number: raw } : null;
  const text = raw.trim();
  if (UUID.test(text)) return { id: text.toLowerCase() };
  const match = NUMBER.exec(text);
  if (!match) return null;
  const number = Number(match[1]);
  return number > 0 ? { number } : null;
}

/** "CR-42", or the id as given: how refusals name what the caller asked for. */
export function describeChangeRequestRef(ref: ChangeRequestRef): string {
  return "number" in ref ? `CR-${ref.number}` : ref.id;
}
