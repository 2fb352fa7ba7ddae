/** The image under a heatmap: an array trait decoded and painted to RGBA once per change of its content. */
import { decodeWire, type NDArray } from "../lib/decode";
import { Memo, WireVersion } from "../lib/memo";
import { paintImage, type RGBAImage } from "../lib/paint";
import { NO_IMAGE, type BaseImage } from "./heatmap_tile";

export class ImageLayer {
  /** The image as last painted; NO_IMAGE after a problem. */
  current: BaseImage = NO_IMAGE;
  private readonly wire = new WireVersion();
  private readonly painted = new Memo<RGBAImage | null>();

  /** `name` names the trait in errors; `check` throws on an array the view cannot show. */
  constructor(
    private readonly name: string,
    private readonly check: (array: NDArray) => void = () => undefined,
  ) {}

  /** Follow the trait's value; returns what is wrong with it, or null. */
  update(value: unknown): string | null {
    const version = this.wire.track(value);
    try {
      const rgba = this.painted.get(`${version}`, () => {
        const decoded = decodeWire(value, this.name);
        if (!decoded) return null;
        this.check(decoded);
        return paintImage(decoded);
      });
      this.current = { rgba, version: this.painted.version };
      return null;
    } catch (error) {
      this.painted.reset();
      this.current = NO_IMAGE;
      return (error as Error).message;
    }
  }
}
