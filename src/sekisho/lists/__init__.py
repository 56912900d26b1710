"""Restricted-party lists: official formats, the versioned store, updates from publishers."""
