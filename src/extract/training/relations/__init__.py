"""Relation model training: corpus views, labelled instances, predicted-mention views, releases."""
