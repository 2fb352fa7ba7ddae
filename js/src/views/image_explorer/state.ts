/** Pure decisions the explorer makes from its traits: which panels to show and what a panel's status line says. */
import { formatDuration, formatValue } from "../../lib/format";
import type { PanelEntry, PanelStatus } from "./traits";

/** The `enabled_methods` trait as distinct names, in order. */
export function methodNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((name): name is string => typeof name === "string"))];
}

/** What a panel's status line says, and how it is styled. */
export interface PanelStatusLine {
  status: PanelStatus;
  text: string;
}

/** "computing…" until a result arrives (also while a new one is computed), the time (and Δ) after. */
export function panelStatusLine(entry: PanelEntry | undefined): PanelStatusLine {
  if (!entry || entry.status === "computing") return { status: "computing", text: "computing…" };
  if (entry.status === "error") return { status: "error", text: entry.error || "this method failed" };
  const parts: string[] = [];
  if (typeof entry.elapsed_ms === "number" && Number.isFinite(entry.elapsed_ms)) {
    parts.push(formatDuration(entry.elapsed_ms));
  }
  if (typeof entry.delta === "number") parts.push(`Δ=${formatValue(entry.delta)}`);
  return { status: "idle", text: parts.join(" · ") };
}
