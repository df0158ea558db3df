"""Access control: users, roles and permissions, JWT sessions, scoped API tokens."""
