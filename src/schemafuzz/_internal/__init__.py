"""schemafuzz's implementation. Private: nothing here is a stable interface; the public one is
the `schemafuzz` package itself (`schemafuzz.__all__`), `schemafuzz.strategies` and the pytest
plugin."""
