"""Listings, fingerprints, change tracking, publish runs and the exporter plugin API."""
