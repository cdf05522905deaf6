"""Hog functions: `model` (serializers, validation, logs, metrics, invocations) and `handlers`
(what each route does)."""
