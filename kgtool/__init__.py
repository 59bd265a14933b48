"""kgtool: build, validate, query and export the biopolicy knowledge graph.

Data flows one way: sources (files -> graphs) -> derive -> validate -> store -> queries/export.
Each module imports only modules before it in that flow.
"""

__version__ = "0.1.0"
