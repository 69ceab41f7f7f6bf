"""Datasette for onrecord: metadata and canned queries (YAML), the timeline page model, the plugin, templates."""
