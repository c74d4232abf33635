"""Ingest pipeline: stable-file wait, hashing, content store, metadata, thumbnails, versions,
rights."""
