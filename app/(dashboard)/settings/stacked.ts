/**
 * Class names that turn a settings table into labelled cards on phones (below md) instead of a
 * table that scrolls sideways. Each cell needs a data-label with its column name. Shared with the
 * other pages' tables, so it lives with the other building blocks.
 */
export { stacked } from "@/app/_components/ui";
