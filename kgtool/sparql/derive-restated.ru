# The derived graph repeats no triple that another graph states.
DELETE { GRAPH <https://w3id.org/biopolicy/graph/derived> { ?s ?p ?o } }
WHERE {
  GRAPH <https://w3id.org/biopolicy/graph/derived> { ?s ?p ?o }
  GRAPH ?g { ?s ?p ?o }
  FILTER(?g != <https://w3id.org/biopolicy/graph/derived>)
}
