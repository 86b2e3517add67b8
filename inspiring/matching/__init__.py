"""Matching: ranked, explained suggestions of activities that fit a person."""
