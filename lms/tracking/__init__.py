"""Administration tracking: dashboards, compliance, assignments, imports and exports."""
