"""The records tests start from, made through the domain's own operations (workflows/) wherever
there is one, so that they are as the service itself would make them: people, councils, schemes
and rounds, applications at each stage, experts and their work, outcome reports, matchmaking
requests and introductions, and the worlds of the larger tests (reporting, the access matrix, the
state machine)."""
