"""labb: the Integration Lab as software.

The package is a pipeline, each stage importing only earlier ones:
``records`` (YAML with positions) -> ``validate`` (model and vocabularies) ->
``index`` (Whoosh, through ``engine``) -> ``search`` (queries, facets) -> ``cli``
and ``web`` (presentation). ``model`` holds the domain types they all share,
``vocab`` reads the vocabularies and ``facets`` defines every facet once.

Three versions are stated and bumped independently (see CHANGELOG.md): the
package's (semantic versioning), the index schema's (``index.SCHEMA_VERSION``:
every index is rebuilt when it changes) and the API's (``API_VERSION``: the JSON
of /api/ and of ``labb search --json``; bumped on a change that breaks a client).
"""

from importlib import metadata

try:
    __version__ = metadata.version("labb")
except metadata.PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0.0.0"

API_VERSION = "1"
