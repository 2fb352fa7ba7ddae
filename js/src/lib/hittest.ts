/**
 * Maps between a pointer's client coordinates on an element shown at any CSS size and the
 * cells of the data grid (H,W) it displays. Cell (row, col) covers [col, col+1) x [row, row+1)
 * in grid units and its centre is (col + 0.5, row + 0.5). Independent of devicePixelRatio,
 * because client coordinates and getBoundingClientRect are both in CSS pixels.
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Pixel = [row: number, col: number];

/**
 * The (row, col) under client point (x, y) on an element occupying `rect`, or null when
 * the point lies outside the rect. Points on the far edges are clamped into the last cell.
 */
export function clientToPixel(x: number, y: number, rect: Rect, height: number, width: number): Pixel | null {
  if (!(rect.width > 0 && rect.height > 0 && height > 0 && width > 0)) return null;
  const dx = x - rect.left;
  const dy = y - rect.top;
  if (!(dx >= 0 && dy >= 0 && dx <= rect.width && dy <= rect.height)) return null;
  const col = Math.min(width - 1, Math.floor((dx / rect.width) * width));
  const row = Math.min(height - 1, Math.floor((dy / rect.height) * height));
  return [row, col];
}

/** The client coordinates of the centre of cell (row, col): where a test should click. */
export function pixelCentre(row: number, col: number, rect: Rect, height: number, width: number): { x: number; y: number } {
  return {
    x: rect.left + ((col + 0.5) / width) * rect.width,
    y: rect.top + ((row + 0.5) / height) * rect.height,
  };
}

/** The cell under a mouse event on `element`, or null outside it. */
export function eventToPixel(
  event: { clientX: number; clientY: number },
  element: { getBoundingClientRect(): Rect },
  height: number,
  width: number,
): Pixel | null {
  return clientToPixel(event.clientX, event.clientY, element.getBoundingClientRect(), height, width);
}
