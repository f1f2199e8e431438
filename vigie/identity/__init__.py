"""Who may do what: accounts, API tokens and the audit log."""
