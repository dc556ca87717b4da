"""Creating features through the API (OGC API – Features Part 4 POST) and who may do what where."""
