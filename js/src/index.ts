/**
 * The anywidget entry point: picks the view named by the model's `view` trait and renders it.
 * A new view is a folder under views/ with a render function, added to VIEWS.
 */
import type { AnyModel } from "@anywidget/types";
import { renderConfusion } from "./views/confusion/render";
import { renderHeatmap } from "./views/heatmap/render";
import { renderExplorer } from "./views/image_explorer/render";
import { renderSequence } from "./views/sequence/render";
import { renderSequenceDesign } from "./views/sequence_design/render";

type RenderView = (props: { model: AnyModel; el: HTMLElement }) => () => void;

export const VIEWS: Record<string, RenderView> = {
  confusion: renderConfusion as RenderView,
  heatmap: renderHeatmap as RenderView,
  image_explorer: renderExplorer as RenderView,
  sequence: renderSequence as RenderView,
  sequence_design: renderSequenceDesign as RenderView,
};

export const DEFAULT_VIEW = "heatmap";

function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  const name = (model.get("view") as string | undefined) ?? DEFAULT_VIEW;
  const view = Object.prototype.hasOwnProperty.call(VIEWS, name) ? VIEWS[name] : undefined;
  if (!view) {
    const message = document.createElement("div");
    message.className = "xw-view xw-message xw-error";
    message.textContent = `xai_widgets: unknown view "${name}"; this front end knows ${Object.keys(VIEWS).join(", ")}.`;
    el.appendChild(message);
    return () => message.remove();
  }
  return view({ model, el });
}

export default { render };
