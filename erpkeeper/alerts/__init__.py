"""Alert rules on metrics, alerts with their states, silences (issue 4, section 4)."""
