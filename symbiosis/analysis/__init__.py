"""Planning analyses built on the optimisation: each a study of one or many solves."""
