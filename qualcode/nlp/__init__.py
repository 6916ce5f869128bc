"""NLP: the spaCy pipeline, codebook cold start, the learned suggester and its evaluation (spaCy/sklearn load on use)."""
