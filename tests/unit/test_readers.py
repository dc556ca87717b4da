"""read_vector_file: every import format, encodings, CRS handling and refusals."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gis_service import crs
from gis_service.errors import InvalidFile, UnknownCrs
from gis_service.loader import archives
from gis_service.loader.readers import read_vector_file

PARCEL = shapely.box(112.84, 35.49, 112.85, 35.50)
POINT = shapely.Point(112.8459, 35.4914)
CHINESE = {"宗地编码": ["140502001001"], "用途": ["住宅用地"], "权利人": ["晋城市城区人民政府"]}
# DBF field names hold 10 bytes: 宗地编码 fits in GBK (8) but not in UTF-8 (12).
UTF8_SAFE_NAMES = {"宗地编码": "宗地号"}


def _parcels(crs_code: int | str | None = 4490, utf8_names: bool = False) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(dict(CHINESE), geometry=[PARCEL], crs=crs_code)
    return frame.rename(columns=UTF8_SAFE_NAMES) if utf8_names else frame


def _zip(path: Path, files: list[Path], arcnames: list[str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for index, file in enumerate(files):
            zf.write(file, arcnames[index] if arcnames else file.name)
    return path


def _shapefile_zip(tmp_path: Path, frame: gpd.GeoDataFrame, encoding: str, keep: tuple[str, ...]) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "宗地.shp", encoding=encoding)
    members = [p for p in folder.iterdir() if p.suffix in keep]
    return _zip(tmp_path / "parcels.zip", members)


def _assert_chinese_intact(frame: gpd.GeoDataFrame) -> None:
    code_column = "宗地编码" if "宗地编码" in frame.columns else "宗地号"
    assert frame[code_column].tolist() == ["140502001001"]
    assert frame["用途"].tolist() == ["住宅用地"]
    assert frame["权利人"].tolist() == ["晋城市城区人民政府"]


def _assert_storage(frame: gpd.GeoDataFrame) -> None:
    assert frame.crs.to_epsg() == 4490
    assert frame.geometry.name == "geometry"


def test_geojson(tmp_path):
    path = tmp_path / "parcels.geojson"
    _parcels(4326).to_file(path, driver="GeoJSON")
    frame = read_vector_file(path)
    _assert_storage(frame)
    _assert_chinese_intact(frame)
    assert frame.geometry.iloc[0].equals_exact(PARCEL, 1e-9)


def test_geojson_without_crs_member_defaults_to_crs84(tmp_path):
    path = tmp_path / "points.json"
    feature = {"type": "Feature", "properties": {"名称": "市政府"}, "geometry": shapely.geometry.mapping(POINT)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False), "utf-8")
    frame = read_vector_file(path)
    assert frame["名称"].tolist() == ["市政府"]
    assert frame.geometry.iloc[0].equals_exact(POINT, 1e-9)


def test_geopackage_first_layer_and_named_layer_reprojected_from_4547(tmp_path):
    path = tmp_path / "plan.gpkg"
    _parcels().to_crs(4547).to_file(path, layer="parcels", driver="GPKG")
    gpd.GeoDataFrame({"名称": ["市政府"]}, geometry=[POINT], crs=4490).to_file(path, layer="poi", driver="GPKG")
    first = read_vector_file(path)
    _assert_storage(first)
    _assert_chinese_intact(first)
    assert first.geometry.iloc[0].normalize().equals_exact(PARCEL.normalize(), 1e-8)
    named = read_vector_file(path, layer="poi")
    assert named["名称"].tolist() == ["市政府"]
    with pytest.raises(InvalidFile, match="layer 'nope' not found"):
        read_vector_file(path, layer="nope")


def test_gbk_shapefile_without_cpg_keeps_chinese_values(tmp_path):
    archive = _shapefile_zip(tmp_path, _parcels(), "GBK", keep=(".shp", ".shx", ".dbf", ".prj"))
    assert not any(name.endswith(".cpg") for name in zipfile.ZipFile(archive).namelist())
    frame = read_vector_file(archive)
    _assert_storage(frame)
    _assert_chinese_intact(frame)
    assert frame.attrs["encoding"] == "GB18030"


def test_utf8_shapefile_without_cpg_is_detected(tmp_path):
    archive = _shapefile_zip(tmp_path, _parcels(utf8_names=True), "UTF-8", keep=(".shp", ".shx", ".dbf", ".prj"))
    _assert_chinese_intact(read_vector_file(archive))


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_shapefile_with_cpg_is_honoured(tmp_path, encoding):
    frame = _parcels(utf8_names=encoding == "UTF-8")
    archive = _shapefile_zip(tmp_path, frame, encoding, keep=(".shp", ".shx", ".dbf", ".prj", ".cpg"))
    assert any(name.endswith(".cpg") for name in zipfile.ZipFile(archive).namelist())
    frame = read_vector_file(archive)
    _assert_chinese_intact(frame)
    assert frame.geometry.iloc[0].normalize().equals_exact(PARCEL.normalize(), 1e-9)  # SHP reorients rings


def test_shapefile_in_xian_1980_is_refused(tmp_path):
    archive = _shapefile_zip(tmp_path, _parcels(2383, utf8_names=True), "UTF-8",
                             keep=(".shp", ".shx", ".dbf", ".prj"))
    with pytest.raises(InvalidFile, match="Xi'an 1980") as info:
        read_vector_file(archive)
    assert "parcels.zip" in info.value.message_en


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_is_rejected_unless_declared(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    _parcels(utf8_names=True).to_crs(4547).set_crs(None, allow_override=True).to_file(folder / "parcels.shp", encoding="UTF-8")
    archive = _zip(tmp_path / "noprj.zip", [p for p in folder.iterdir() if p.suffix != ".prj"])
    with pytest.raises(InvalidFile) as info:
        read_vector_file(archive)
    assert "no coordinate reference system" in info.value.message_en and "--crs" in info.value.message_en
    assert "未声明坐标参考系" in info.value.message_zh and "noprj.zip" in info.value.message_zh
    frame = read_vector_file(archive, crs="EPSG:4547")
    assert frame.geometry.iloc[0].normalize().equals_exact(PARCEL.normalize(), 1e-8)


def test_kml(tmp_path):
    path = tmp_path / "poi.kml"
    gpd.GeoDataFrame({"Name": ["市政府"], "类别": ["机关"]}, geometry=[POINT], crs=4326).to_file(path, driver="KML")
    frame = read_vector_file(path)
    _assert_storage(frame)
    assert frame["Name"].tolist() == ["市政府"]
    assert frame.geometry.iloc[0].equals_exact(POINT, 1e-9) and not frame.geometry.iloc[0].has_z


def test_csv_with_wkt_column(tmp_path):
    path = tmp_path / "parcels.csv"
    path.write_text(f"宗地编码,用途,WKT\n0140502,住宅用地,\"{PARCEL.wkt}\"\n0140503,商业用地,\n", "utf-8-sig")
    frame = read_vector_file(path)
    _assert_storage(frame)
    assert frame["宗地编码"].tolist() == ["0140502", "0140503"]  # codes keep leading zeros
    assert frame["用途"].tolist() == ["住宅用地", "商业用地"]
    assert frame.geometry.iloc[0].equals_exact(PARCEL, 1e-9)
    assert frame.geometry.iloc[1] is None  # a feature may have no place
    assert "WKT" not in frame.columns


def test_gbk_csv_with_chinese_lon_lat_columns(tmp_path):
    path = tmp_path / "poi.csv"
    path.write_bytes("名称,经度,纬度,面积\n市政府,112.8459,35.4914,12.5\n".encode("gbk"))
    frame = read_vector_file(path)
    assert frame["名称"].tolist() == ["市政府"]
    assert frame["面积"].tolist() == [12.5]
    assert frame.geometry.iloc[0].equals_exact(POINT, 1e-9)


def test_csv_lon_lat_with_gcj02_override_shifts_coordinates(tmp_path):
    path = tmp_path / "amap.csv"
    path.write_text("name,lng,lat\n市政府,112.852,35.491\n", "utf-8")
    plain = read_vector_file(path).geometry.iloc[0]
    shifted = read_vector_file(path, crs="gcj02").geometry.iloc[0]
    assert (plain.x, plain.y) == pytest.approx((112.852, 35.491))
    assert (shifted.x, shifted.y) == pytest.approx(crs.gcj02_to_wgs84(112.852, 35.491), abs=1e-12)
    assert shifted.x == pytest.approx(112.8459, abs=1e-4) and shifted.y == pytest.approx(35.4914, abs=1e-4)


def test_bd09_override_on_geojson(tmp_path):
    path = tmp_path / "baidu.geojson"
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(112.86509, 35.48991)], crs=4326).to_file(path)
    point = read_vector_file(path, crs="bd09").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((112.8524, 35.4847), abs=1e-4)


def test_csv_errors_name_file_and_row(tmp_path):
    bad_wkt = tmp_path / "bad.csv"
    bad_wkt.write_text(f"id,wkt\n1,{POINT.wkt}\n2,POLYGON((1 2\n", "utf-8")
    with pytest.raises(InvalidFile) as info:
        read_vector_file(bad_wkt)
    assert "bad.csv" in info.value.message_en and "row 2" in info.value.message_en
    assert "第 2 行" in info.value.message_zh and info.value.detail["row"] == 2
    bad_lat = tmp_path / "lat.csv"
    bad_lat.write_text("lon,lat\n112.85,35.5\n112.86,北\n", "utf-8")
    with pytest.raises(InvalidFile, match="row 2"):
        read_vector_file(bad_lat)
    no_geometry = tmp_path / "plain.csv"
    no_geometry.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(InvalidFile, match="has no geometry"):
        read_vector_file(no_geometry)


def test_swapped_survey_axes_are_caught(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("x,y\n3930674,395659\n", "utf-8")  # X = northing, as survey files often write
    with pytest.raises(InvalidFile, match="area of use"):
        read_vector_file(path, crs="EPSG:4547")
    path.write_text("x,y\n395659,3930674\n", "utf-8")
    point = read_vector_file(path, crs="EPSG:4547").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((112.85, 35.5), abs=1e-5)


def test_zip_slip_is_rejected(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("parcels.shp", b"x")
        zf.writestr("../../outside.txt", b"owned")
    with pytest.raises(InvalidFile, match="unsafe member path"):
        read_vector_file(archive)
    assert not (tmp_path.parent / "outside.txt").exists()


def test_absolute_member_path_is_rejected(tmp_path):
    archive = tmp_path / "abs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("/tmp/parcels.shp", b"x")
    with pytest.raises(InvalidFile, match="unsafe member path"):
        read_vector_file(archive)


def test_zip_bomb_limits(tmp_path, monkeypatch):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.dbf", b"\0" * 5_000_000)
    monkeypatch.setattr(archives, "MAX_ZIP_UNCOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(InvalidFile, match="expands beyond"):
        read_vector_file(archive)
    monkeypatch.setattr(archives, "MAX_ZIP_MEMBERS", 3)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for index in range(4):
            zf.writestr(f"f{index}.txt", b"x")
    with pytest.raises(InvalidFile, match="too many members"):
        read_vector_file(many)


def test_zip_with_several_shapefiles_needs_layer(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    _parcels(utf8_names=True).to_file(folder / "a.shp", encoding="UTF-8")
    gpd.GeoDataFrame({"n": [1]}, geometry=[POINT], crs=4490).to_file(folder / "b.shp", encoding="UTF-8")
    archive = _zip(tmp_path / "two.zip", list(folder.iterdir()), [f"data/{p.name}" for p in folder.iterdir()])
    with pytest.raises(InvalidFile, match="several shapefiles"):
        read_vector_file(archive)
    assert read_vector_file(archive, layer="b")["n"].tolist() == [1]


def test_other_failures_are_invalid_file(tmp_path):
    with pytest.raises(InvalidFile, match="file not found"):
        read_vector_file(tmp_path / "missing.geojson")
    not_zip = tmp_path / "broken.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(InvalidFile, match="not a valid zip"):
        read_vector_file(not_zip)
    dwg = tmp_path / "plan.dwg"
    dwg.write_bytes(b"AC1032")
    with pytest.raises(InvalidFile, match="unsupported file type"):
        read_vector_file(dwg)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", "utf-8")
    with pytest.raises(InvalidFile, match="broken.geojson"):
        read_vector_file(broken)
    with pytest.raises(UnknownCrs):
        read_vector_file(broken, crs="EPSG:0")


def test_zip_made_on_chinese_windows_with_gbk_member_names(tmp_path):
    # Windows zip tools store GBK names without the UTF-8 flag; patch them in by byte length.
    archive = _shapefile_zip(tmp_path, _parcels(), "GBK", keep=(".shp", ".shx", ".dbf", ".prj"))
    gbk_stem, ascii_stem = "宗地".encode("gbk"), b"zd01"
    renamed = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(renamed, "w") as target:
        for member in source.infolist():
            target.writestr(member.filename.replace("宗地", "zd01"), source.read(member))
    renamed.write_bytes(renamed.read_bytes().replace(ascii_stem, gbk_stem))
    frame = read_vector_file(renamed)
    _assert_chinese_intact(frame)
    assert frame.attrs["source_file"] == "windows.zip:宗地.shp"


def test_file_crs_without_epsg_code_is_reprojected(tmp_path):
    # A local transverse Mercator (独立坐标系) has no EPSG code but a full definition.
    local = "+proj=tmerc +lat_0=0 +lon_0=112.85 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    path = tmp_path / "local.gpkg"
    _parcels().to_crs(local).to_file(path, driver="GPKG")
    frame = read_vector_file(path)
    _assert_storage(frame)
    assert frame.geometry.iloc[0].normalize().equals_exact(PARCEL.normalize(), 1e-8)


def test_bare_shapefile_and_missing_companion(tmp_path):
    _parcels().to_file(tmp_path / "bare.shp", encoding="GBK")
    (tmp_path / "bare.cpg").unlink()
    _assert_chinese_intact(read_vector_file(tmp_path / "bare.shp"))
    (tmp_path / "bare.dbf").unlink()
    with pytest.raises(InvalidFile, match="missing companion file bare.dbf"):
        read_vector_file(tmp_path / "bare.shp")
