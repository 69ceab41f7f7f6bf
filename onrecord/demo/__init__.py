"""The bundled offline demo: a small web of outlets served from loopback, crawled like the real wires."""
