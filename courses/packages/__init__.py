"""Content packages other tools make, one room per format.

- ``h5p/``: H5P packages (``.h5p``): ``policy`` validates as H5P core does (plain Python),
  ``services`` inspects, stores and imports them, ``build`` makes the platform's own,
  ``hostile`` builds refused packages for the tests.

Each format keeps its validation, storage, player or runtime and tracking together in
its own package; what they share (the safe archive reader) sits beside them.
"""
