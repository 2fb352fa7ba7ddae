/**
 * CSS sizes of a canvas showing a (height, width) grid: small grids grow by a whole factor so
 * their pixels stay sharp, large ones shrink to fit, and `requested` px wins when positive.
 */

/** The HeatmapView's canvas: 256 px or more for small grids, at most 512 px. */
export function displaySize(height: number, width: number, requested: number | undefined): [number, number] {
  const longest = Math.max(height, width, 1);
  let scale: number;
  if (requested !== undefined && requested > 0) scale = requested / longest;
  else if (longest < 256) scale = Math.floor(256 / longest);
  else scale = Math.min(1, 512 / longest);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/** Default CSS size of a tile's longer side: several fit side by side in a notebook. */
export const DEFAULT_TILE = 192;

/**
 * CSS width and height of a tile showing a (height, width) grid: `requested` px on the longer
 * side when positive; otherwise small grids grow by a whole factor (sharp pixels) up to
 * DEFAULT_TILE, and large ones shrink to fit 256.
 */
export function tileSize(height: number, width: number, requested: number | undefined): [number, number] {
  const longest = Math.max(height, width, 1);
  let scale: number;
  if (requested !== undefined && requested > 0) scale = requested / longest;
  else if (longest <= DEFAULT_TILE) scale = Math.max(1, Math.floor(DEFAULT_TILE / longest));
  else scale = Math.min(1, 256 / longest);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}
