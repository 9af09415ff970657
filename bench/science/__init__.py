"""The pre-registered science experiment's evaluation (reports/science/PREREGISTRATION.md): log-likelihood accuracy
over answer options (A1, A2), greedy exact match (A3), the mechanism's margins h and h_p on held-out pairs, the
paired bootstrap and decision rules of claims C1-C6, and the report that leads with one verdict per claim."""
