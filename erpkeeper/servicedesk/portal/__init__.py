"""The portal for ERP end users, mounted at /portal/: its own sign-in, their tickets, notices."""
