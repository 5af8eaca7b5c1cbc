"""`intervju batch`'s engine: find recordings (discover), remember what is done (state), run
them (runner)."""
