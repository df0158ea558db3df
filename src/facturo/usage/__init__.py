"""Usage billing: cloud resources by the hour, IPC2 messages, billing runs."""
