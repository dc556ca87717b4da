"""Map pages: Folium/branca rendering that works offline.

``gis_service.maps.assets`` serves every JS/CSS/font asset locally; see its
docstring for how the app factory wires it.
"""
