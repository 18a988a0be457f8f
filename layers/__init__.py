"""One module per layer kind: read it, validate it, style it, draw it. Never imports streamlit."""
