import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { may } from "@/lib/auth/permissions";
import { signOut } from "@/lib/auth/config";
import { NavLinks, type NavItem } from "./nav-links";
import { UserMenu } from "./user-menu";

/** The dashboard shell: every page below it requires a signed-in user (and re-checks its own role). */
export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageActor();
  const items: NavItem[] = [
    { href: "/", label: "Overview", icon: "overview" },
    { href: "/change-requests", label: "Change requests", icon: "changes" },
    { href: "/releases", label: "Releases", icon: "releases" },
    { href: "/experiments", label: "Experiments", icon: "experiments" },
    { href: "/eval-sets", label: "Eval sets", icon: "evals" },
    { href: "/audit", label: "Audit log", icon: "audit" },
  ];
  if (may(actor.role, "settings.view")) items.push({ href: "/settings", label: "Settings", icon: "settings" });

  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/login" });
  }

  return (
    <div className="min-h-screen lg:flex lg:bg-[linear-gradient(to_right,#fff_15rem,#e2e8f0_15rem,#e2e8f0_calc(15rem+1px),transparent_calc(15rem+1px))]">
      <aside className="border-b border-slate-200 bg-white lg:sticky lg:top-0 lg:h-screen lg:w-60 lg:shrink-0 lg:border-b-0 lg:border-r">
        <div className="flex items-center justify-between gap-3 px-4 py-3 lg:py-5">
          <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
            <span className="flex h-7 w-7 items-center justify-center rounded-md bg-indigo-600 text-sm font-bold text-white">C</span>
            Changegate
          </Link>
          <div className="lg:hidden">
            <UserMenu name={actor.name} email={actor.email} role={actor.role} signOutAction={signOutAction} />
          </div>
        </div>
        <NavLinks items={items} />
      </aside>
      <div className="min-w-0 flex-1">
        <header className="hidden h-14 items-center justify-end border-b border-slate-200 bg-white px-6 lg:flex">
          <UserMenu name={actor.name} email={actor.email} role={actor.role} signOutAction={signOutAction} />
        </header>
        <main className="mx-auto max-w-7xl px-4 py-6 sm:px-6 lg:px-8">{children}</main>
      </div>
    </div>
  );
}
