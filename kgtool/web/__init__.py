"""The web face: `kgtool serve` (serve: the pages and the app; endpoint: the read-only SPARQL
1.1 endpoint; describe, search, timeline, outline: what single pages show) and `kgtool docs`
(docs: the ontology's and the queries' pages), with the HTML they share (render, templates/,
static/).

May import the core and query/ (and void, which the release writes too), never remote/,
link/ or cli. Nothing below imports web/."""
