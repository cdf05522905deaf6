"""Reusable Streamlit pieces. Each module exposes `render(...)`-style functions and an
`example()` that the component contract test runs through AppTest."""
