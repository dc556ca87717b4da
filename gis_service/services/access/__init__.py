"""Access control over HTTP: key administration (audited) and the editors' browser sessions."""
