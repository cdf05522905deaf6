from components import placeholder
from components.shell import require_navigation

require_navigation()

placeholder.render(
    "Batch exports",
    "see failing exports, pause and resume them, inspect runs and logs, and backfill gaps.",
)
