"""Necks (between backbone and head); none yet for the 2D recognizers."""
