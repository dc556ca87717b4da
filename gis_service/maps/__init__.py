"""Map renderers: Folium pages and static images drawn from data passed in.

``gis_service.maps.cdn`` maps every JS/CSS/font asset to a local copy and
``gis_service.maps.folium_offline`` points Folium at them, so pages work offline.
"""
