"""Static map images: valid PNG/PDF at the requested dpi and paper, and a real CJK font."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from gis_service.maps.fonts import CJK_FAMILIES, cjk_font_path


def test_findfont_resolves_the_chinese_family_to_a_cjk_font():
    path = cjk_font_path()
    assert any(key in path.lower() for key in ("cjk", "wqy", "sourcehan", "droidsansfallback")), path
    from matplotlib import font_manager, rcParams

    assert rcParams["font.sans-serif"][:len(CJK_FAMILIES)] == CJK_FAMILIES
    assert rcParams["axes.unicode_minus"] is False
    font = font_manager.get_font(path)
    assert font.get_char_index(ord("城")) != 0  # the glyph exists, no tofu


@pytest.mark.parametrize("page,dpi,orientation", [("progress", 120, "landscape"), ("zones", 80, "portrait")])
def test_png_at_requested_dpi_and_paper(demo_client, screenshots, page, dpi, orientation):
    response = demo_client.get(f"/maps/{page}.png?dpi={dpi}&orientation={orientation}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert round(image.info["dpi"][0]) == dpi
    width, height = image.size
    long_side, short_side = round(11.69 * dpi), round(8.27 * dpi)
    expected = (long_side, short_side) if orientation == "landscape" else (short_side, long_side)
    assert abs(width - expected[0]) <= 2 and abs(height - expected[1]) <= 2
    (screenshots / f"static-{page}-{orientation}.png").write_bytes(response.content)


def test_pdf_and_limits(demo_client):
    pdf = demo_client.get("/maps/overview.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert b"NotoSansCJK" in pdf.content  # the CJK font is embedded
    assert demo_client.get("/maps/overview.png?dpi=301").status_code == 400
    assert demo_client.get("/maps/parcels.png").status_code in (400, 404)


def test_source_line_says_schematic_and_demo_only_with_demo_values(demo_url, loaded_db, engine_for):
    from gis_service.maps.params import MapParams
    from gis_service.maps.static_render import footer_lines
    from gis_service.services.map_pages.static import static_map_input

    with engine_for(demo_url).connect() as conn:
        demo = static_map_input(conn, "progress", MapParams())
    with engine_for(loaded_db).connect() as conn:
        plain = static_map_input(conn, "progress", MapParams())
        zones = static_map_input(conn, "zones", MapParams())
    assert "示意图" in footer_lines(demo)[1] and "演示数据" in footer_lines(demo)[1]
    assert "示意图" in footer_lines(plain)[1] and "演示数据" not in footer_lines(plain)[1]
    assert "数据日期" in footer_lines(plain)[0]
    assert zones.undesignated is not None and zones.undesignated.area > 0
