"""The `intervju` command line."""
