"""H5P packages: validation policy (``policy``, plain Python), import and storage
(``services``), the platform's own package builder (``build``) and hostile packages for
the tests (``hostile``)."""
