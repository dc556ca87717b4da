"""Map pages: the data they show (from PostGIS), the HTML pages with CSP and ETag, and their static PNG/PDF images."""
