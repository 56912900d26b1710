"""The `sekisho` command line: one module per capability, each a thin layer over its package."""
