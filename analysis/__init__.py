"""Pure computation for the Wuxi Carbon-Peak Atlas.

Nothing in this package imports streamlit or folium: the app and the CLI are thin front-ends over it.
"""
