"""Checks on the built store, before anything is released: SHACL (the shapes compiled to
SPARQL in shacl, pyshacl as the reference engine), the violation queries (kgtool/sparql/
*-violation.rq and the ontology's own), and OWL consistency with HermiT (validate).

May import the core below it (namespaces, sources, derive, store), never query/, export,
build, web/, remote/, link/ or cli."""

from .validate import VIOLATION, Report, Result, ValidationError, check_results, owl_results, shacl_results, validate

__all__ = ["VIOLATION", "Report", "Result", "ValidationError", "check_results", "owl_results", "shacl_results",
           "validate"]
