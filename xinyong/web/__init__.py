"""HTTP plumbing shared by the API and the pages: state, sessions, access rules, CSRF."""

API_PREFIX = "/api/v1"  # where the versioned JSON API lives (xinyong/api)
