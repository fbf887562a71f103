/** Next.js calls register() once when the server starts, before it serves requests. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Nothing touches the database while `next build` collects pages.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { bootOrExit } = await import("@/lib/boot");
  await bootOrExit();
}
