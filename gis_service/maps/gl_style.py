"""A MapLibre / Mapbox GL style (spec v8) for collections served as vector tiles, from their
style definitions (``maps.styles.collection_style``): one layer set per class, an "other" set
for unlisted values, and a name label per collection. The hatched class (禁止开发区) is drawn
with a dashed second outline: a fill-pattern would need a sprite server, and we run none."""
from __future__ import annotations

import re
from dataclasses import dataclass

SYMBOL_KIND = {"Point": "circle", "MultiPoint": "circle", "LineString": "line", "MultiLineString": "line"}
HATCH_DASH = [1, 1]
DRAW_RANK = {"fill": 0, "line": 1, "circle": 2}  # polygons below lines below points
LABEL_FONT = ["Noto Sans CJK SC Regular"]


@dataclass(frozen=True)
class GlLayer:
    """One collection: its id, title, geometry type, style definition and tile URL template."""
    id: str
    title: str
    geometry_type: str | None
    style: dict
    tiles: str
    minzoom: int = 0


def gl_dash(dash_array) -> list[float] | None:
    """"8 4" (CSS px) -> [4, 2] (GL dashes are in line widths; house widths are about 2 px)."""
    parts = [float(p) for p in re.split(r"[\s,]+", str(dash_array or "").strip()) if p]
    return [p / 2 for p in parts] if parts and any(parts) else None


def _classes(style: dict) -> list[tuple[list | None, dict, str]]:
    """(filter, style, class id) per class, then the unlisted values with the base style."""
    attribute, classes = style.get("style_by"), style.get("classes") or {}
    base = {k: v for k, v in style.items() if k not in ("style_by", "classes")}
    if not (attribute and classes):
        return [(None, base, "all")]
    rows: list[tuple[list | None, dict, str]] = [
        (["==", ["get", attribute], value], {**base, **cls}, value) for value, cls in classes.items()]
    rows.append((["!", ["in", ["coalesce", ["get", attribute], ""], ["literal", list(classes)]]], base, "other"))
    return rows


def _paint_layers(layer: GlLayer, kind: str, where: list | None, s: dict, cls: str) -> list[dict]:
    common = {"source": layer.id, "source-layer": layer.id, "minzoom": layer.minzoom,
              "metadata": {"class": cls, "label": s.get("label", layer.title)}}
    if where is not None:
        common["filter"] = where
    width = float(s.get("weight", 2))
    line_paint = {"line-color": s.get("color"), "line-width": width, "line-opacity": float(s.get("opacity", 1))}
    if gl_dash(s.get("dash_array")):
        line_paint["line-dasharray"] = gl_dash(s.get("dash_array"))
    if kind == "circle":
        return [{**common, "id": f"{layer.id}-{cls}-circle", "type": "circle", "paint": {
            "circle-color": s.get("fill_color") or s.get("color"), "circle-radius": float(s.get("radius", 6)),
            "circle-opacity": float(s.get("fill_opacity", 0.9)), "circle-stroke-color": s.get("color"),
            "circle-stroke-width": width}}]
    if kind == "line":
        return [{**common, "id": f"{layer.id}-{cls}-line", "type": "line", "paint": line_paint}]
    out = [{**common, "id": f"{layer.id}-{cls}-fill", "type": "fill", "paint": {
        "fill-color": s.get("fill_color") or s.get("color"), "fill-opacity": float(s.get("fill_opacity") or 0)}},
        {**common, "id": f"{layer.id}-{cls}-outline", "type": "line", "paint": line_paint}]
    if s.get("hatch"):
        out.append({**common, "id": f"{layer.id}-{cls}-hatch", "type": "line", "paint": {
            "line-color": s.get("color"), "line-width": width * 2, "line-offset": width * 2,
            "line-dasharray": HATCH_DASH}})
    return out


def _label_layer(layer: GlLayer, kind: str) -> dict | None:
    prop = layer.style.get("label_property")
    if not prop:
        return None
    layout = {"text-field": ["coalesce", ["get", prop], ""], "text-font": LABEL_FONT, "text-size": 12,
              "symbol-placement": "line" if kind == "line" else "point"}
    if kind == "circle":
        layout.update({"text-offset": [0, 1.2], "text-anchor": "top"})
    return {"id": f"{layer.id}-label", "type": "symbol", "source": layer.id, "source-layer": layer.id,
            "minzoom": max(layer.minzoom, 12), "layout": layout,
            "paint": {"text-color": "#212121", "text-halo-color": "#FFFFFF", "text-halo-width": 1.5}}


def build_gl_style(name: str, layers: list[GlLayer], glyphs: str, center: tuple[float, float],
                   zoom: float = 11) -> dict:
    """The style document; ``glyphs`` is a URL template (CJK labels draw with the client's local
    ideograph font, so the service answers other ranges with empty glyph sets)."""
    kinds = {layer.id: SYMBOL_KIND.get(layer.geometry_type or "", "fill") for layer in layers}
    ordered = sorted(layers, key=lambda layer: DRAW_RANK[kinds[layer.id]])
    paint = [gl for layer in ordered for where, s, cls in _classes(layer.style)
             for gl in _paint_layers(layer, kinds[layer.id], where, s, cls)]
    labels = [lbl for layer in ordered if (lbl := _label_layer(layer, kinds[layer.id]))]
    return {
        "version": 8, "name": name, "center": list(center), "zoom": zoom,
        "metadata": {"collections": [layer.id for layer in ordered]},
        "glyphs": glyphs,
        "sources": {layer.id: {"type": "vector", "tiles": [layer.tiles], "minzoom": 0, "maxzoom": 22,
                               "attribution": "城区规划一张图"} for layer in ordered},
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#FAFAFA"}},
                   *paint, *labels],
    }
