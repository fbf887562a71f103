import { td, th } from "@/app/_components/ui";

/**
 * Class names that turn a settings table into labelled cards on phones (below md) instead of a
 * table that scrolls sideways. Each cell needs a data-label with its column name.
 */
export const stacked = {
  wrapper: "md:overflow-x-auto",
  table: "min-w-full divide-y divide-slate-200 text-sm max-md:block",
  head: "bg-slate-50 max-md:hidden",
  th,
  body: "divide-y divide-slate-100 max-md:block",
  row: "max-md:grid max-md:grid-cols-2 max-md:gap-x-4 max-md:gap-y-1 max-md:px-4 max-md:py-3",
  cell:
    `${td} max-md:block max-md:px-0 max-md:py-1 max-md:before:mb-0.5 max-md:before:block max-md:before:text-[11px] ` +
    "max-md:before:font-semibold max-md:before:uppercase max-md:before:tracking-wide max-md:before:text-slate-500 " +
    "max-md:before:content-[attr(data-label)]",
  /** For a cell that should take the whole card width on phones. */
  wide: "max-md:col-span-full",
} as const;
