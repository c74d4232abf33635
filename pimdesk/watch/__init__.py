"""Watched folders (watchdog) and reconciliation scans."""
