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

/** What Δ means, on hover of a panel's status line. */
export const DELTA_TOOLTIP = "Δ (delta) = completeness error: sum of attributions minus (F(x) - F(baseline)); near 0 means the map accounts for the whole change of the output.";

/** The two lines under a panel's title: the class explained, and the units of the values. */
export function panelCaption(entry: PanelEntry | undefined, targetLabel: string): string {
  const parts: string[] = [];
  const target = typeof entry?.target_name === "string" && entry.target_name ? entry.target_name : targetLabel;
  if (target) parts.push(`target: ${target}`);
  if (typeof entry?.units === "string" && entry.units) parts.push(`units: ${entry.units}`);
  return parts.join("\n");
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
