"""Rendition profiles and the Pillow pipeline, cached by (version hash, profile hash)."""
