"""Telling people that a run failed: what failed, where to look, and nothing personal or secret."""
