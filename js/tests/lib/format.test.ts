import { describe, expect, it } from "vitest";
import { formatDuration, formatValue } from "../../src/lib/format";

describe("formatDuration", () => {
  it("says milliseconds below a second, with three significant digits", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(0.456)).toBe("0.46 ms");
    expect(formatDuration(3)).toBe("3 ms");
    expect(formatDuration(12.345)).toBe("12.3 ms");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(999.4)).toBe("999 ms");
  });

  it("switches to seconds, minutes and hours, never an exponent", () => {
    expect(formatDuration(999.6)).toBe("1.0 s");
    expect(formatDuration(4230)).toBe("4.2 s");
    expect(formatDuration(42_300)).toBe("42 s");
    expect(formatDuration(43_000)).toBe("43 s");
    expect(formatDuration(59_400)).toBe("59 s");
    expect(formatDuration(126_000)).toBe("2.1 min");
    expect(formatDuration(25 * 60_000)).toBe("25 min");
    expect(formatDuration(90 * 60_000)).toBe("1.5 h");
    for (const ms of [0.001, 1e-5, 4.23e4, 1e7, 1e9]) expect(formatDuration(ms)).not.toMatch(/e[+-]/);
  });

  it("passes non-finite values through", () => {
    expect(formatDuration(Number.NaN)).toBe("NaN");
    expect(formatDuration(-1500)).toBe("-1.5 s");
  });
});

describe("formatValue", () => {
  it("keeps three significant digits and exponents for the very large or small", () => {
    expect(formatValue(0.012345)).toBe("0.0123");
    expect(formatValue(4.23e4)).toBe("4.23e+4");
  });
});
