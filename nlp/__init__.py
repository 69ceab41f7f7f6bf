"""Claim extraction: spaCy pipelines that read who said what position, when (see shared/spec/claims.md)."""
