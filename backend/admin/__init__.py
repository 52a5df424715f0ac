"""The administrator's domain: logins and their teams, municipality settings, the access log."""
