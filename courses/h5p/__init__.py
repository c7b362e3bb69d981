"""H5P package handling: validation policy (plain Python, no Django)."""
