"""Domain objects and pure functions; imports nothing from textual, spacy, sklearn or sqlite."""
