"""Legacy app metrics of plugin configs and batch exports."""
