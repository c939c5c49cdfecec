"""labb: the Integration Lab as software.

The package is a pipeline, one module per stage, each importing only earlier ones:
``records`` (YAML with positions) -> ``validate`` (model and vocabularies) ->
``index`` (Whoosh) -> ``search`` (queries, facets) -> ``cli`` and ``web`` (presentation).
``model`` holds the domain types they all share; ``vocab`` reads the vocabularies.
"""

__version__ = "0.1.0"
