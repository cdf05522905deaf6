"""The Overview: what needs attention now, across hog functions, batch exports and plugins."""
