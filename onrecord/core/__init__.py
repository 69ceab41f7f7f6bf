"""The shared core: records, configuration and errors. It imports nothing else of onrecord, so every stage
(crawlers, nlp, storage) and the app can depend on it without cycles (tests/test_layers.py checks this)."""
