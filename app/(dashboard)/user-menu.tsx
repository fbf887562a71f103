"use client";

import { useEffect, useRef, useState } from "react";
import { ROLE_LABELS, type Role } from "@/lib/auth/permissions";

export function UserMenu(props: { name: string; email: string; role: Role; signOutAction: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  const initials = props.name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`User menu: ${props.name}, ${ROLE_LABELS[props.role]}`}
        onClick={() => setOpen((v) => !v)}
        className="flex items-center gap-2 rounded-md px-2 py-1 text-left hover:bg-slate-100"
      >
        <span className="flex h-8 w-8 items-center justify-center rounded-full bg-slate-800 text-xs font-semibold text-white">{initials}</span>
        <span className="hidden text-sm sm:block">
          <span className="block font-medium leading-tight text-slate-900" data-testid="user-name">{props.name}</span>
          <span className="block text-xs leading-tight text-slate-500" data-testid="user-role">{ROLE_LABELS[props.role]}</span>
        </span>
      </button>
      {open ? (
        <div role="menu" className="absolute right-0 z-20 mt-2 w-64 rounded-md border border-slate-200 bg-white p-1 shadow-lg">
          <div className="px-3 py-2 text-sm">
            <div className="font-medium text-slate-900">{props.name}</div>
            <div className="truncate text-slate-500">{props.email}</div>
            <div className="mt-1 text-xs text-slate-500">Role: {ROLE_LABELS[props.role]}</div>
          </div>
          <form action={props.signOutAction}>
            <button type="submit" role="menuitem" className="w-full rounded px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100">
              Sign out
            </button>
          </form>
        </div>
      ) : null}
    </div>
  );
}
