"""Datasette plugins directory (datasette --plugins-dir): every .py file here is loaded as a plugin."""
