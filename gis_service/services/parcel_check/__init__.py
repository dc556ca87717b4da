"""Parcel constraint check (合规性初筛): one parcel, a file of parcels, a printable report.

The rules are in ``rules`` (docs/DOMAIN.md, Parcel-check rules); the SQL in ``gis_service.queries.analysis``.
"""
from gis_service.services.parcel_check.check import check_parcels, get_report, principal_name
from gis_service.services.parcel_check.geometry_input import ParcelInput, parse_parcels
from gis_service.services.parcel_check.single import check_request

__all__ = ["ParcelInput", "check_parcels", "check_request", "get_report", "parse_parcels", "principal_name"]
