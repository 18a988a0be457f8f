"""How things are drawn: the interface text (:mod:`maps.text`, with its catalogues in ``maps/i18n/``).

This package sits beside the front-ends, above :mod:`layers` and :mod:`analysis`: it may import them,
and they never import it.
"""
