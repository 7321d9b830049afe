"""spaCy building blocks shared by the stages: tokenizer, sentence splitter, extension attributes."""
