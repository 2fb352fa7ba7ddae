/** Numbers and durations as the views print them: three significant digits, exponents only when very large or small. */

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/**
 * A duration given in milliseconds, in the unit a reader expects: "0.45 ms", "12.3 ms", "850 ms",
 * "4.2 s", "43 s", "2.1 min", "1.5 h"; three significant digits below a second, then at most one
 * decimal (as the status bar's time left).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return "0 ms";
  if (ms < 999.5) return `${Number(ms.toPrecision(ms < 1 ? 2 : 3))} ms`;
  const seconds = ms / 1000;
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  if (seconds < 59.5) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 9.95) return `${minutes.toFixed(1)} min`;
  if (minutes < 59.5) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  return hours < 9.95 ? `${hours.toFixed(1)} h` : `${Math.round(hours)} h`;
}
