"""Suite-wide: this folder is on ``sys.path`` (pytest's rootdir conftest), so ``reference_facts`` imports."""
