"""rdflib's view of our namespaces, for the code that reads the shapes graph with rdflib
(kgtool/check/shacl.py, kgtool/check/validate.py's pyshacl path). Kept apart from
kgtool/namespaces.py so that the commands that never touch rdflib do not import it."""

from rdflib import Namespace

from .namespaces import BP_IRI, BPO_IRI, BPS_IRI

BPO = Namespace(BPO_IRI)
BP = Namespace(BP_IRI)
BPS = Namespace(BPS_IRI)
