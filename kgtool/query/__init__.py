"""Queries: the saved-query catalogue and typed parameters (catalogue), the SPARQL text made
ready to run on any store (text), the answers capped and written in a format (results), and
the child process that runs a query within a time and memory limit (worker).

Owns queries/*.rq's headers, the internal queries' reading (kgtool/sparql/) and the result
formats. May import the core below it (namespaces, sources, derive, store, export), never
check/, build, web/, remote/, link/ or cli."""

from .catalogue import (CONVERTERS, LANGUAGES, Param, QueryError, SavedQuery, bind, catalogue, find_query,
                        internal_query, parse_assignments, read_query, to_iri)
from .results import (FORMATS, RESULT_FORMATS, Answer, Row, concatenated_columns, in_order, read_answer, width,
                      write_answer)
from .text import (QUERY_FORMS, UPDATE_FORMS, check_read_only, check_services, nesting_depth, prepare, query_form,
                   run, services, syntax_message)

__all__ = ["CONVERTERS", "FORMATS", "LANGUAGES", "QUERY_FORMS", "RESULT_FORMATS", "UPDATE_FORMS", "Answer", "Param",
           "QueryError", "Row", "SavedQuery", "bind", "catalogue", "check_read_only", "check_services",
           "concatenated_columns", "find_query", "in_order", "read_answer", "write_answer", "internal_query", "nesting_depth",
           "parse_assignments", "prepare", "query_form", "read_query", "run", "services", "syntax_message", "to_iri",
           "width"]
