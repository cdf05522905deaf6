"""Copying an object into another of the key's projects: the form its question shows."""
