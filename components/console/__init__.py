"""The console itself: sidebar, settings."""
