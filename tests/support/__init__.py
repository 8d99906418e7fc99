"""What the tests use that is not data: the services' addresses, the test app, a signed-in client,
the API client, statement counting, the database's fingerprints, worker processes, servers of a
test's own, and the browser tests' live server, pages and records. Data is made in tests.builders."""
