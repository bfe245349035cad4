"""HTTP plumbing shared by the API and the pages: state, sessions, access rules, CSRF."""
